# man/dscp.1 is lint-clean, documents every option that --help lists (and no option --help lacks) and has
# the sections of a tool's page, OUTPUT FORMATS and PERFORMANCE among them.
. "$(dirname "$0")/lib.sh"
man_tool_page dscp "OUTPUT FORMATS" PERFORMANCE
