#!/usr/bin/env python3
"""A Python emulated-accelerator loader, the way DLIO (Python) and a PyTorch DataLoader feed a GPU: per
accelerator, reader threads fill a queue of `prefetch` batches (open().read() of each sample file), and the
accelerator thread takes batches in order and sleeps for the compute time. Same sample stream and AU rule as
dsbench train (first step excluded, counted steps started together). Prints one JSON line.

    train_peer.py DIR ACCELERATORS BATCH COMPUTE_S STEPS [PREFETCH] [READERS]
"""
import json
import os
import queue
import random
import sys
import threading
import time


def main():
    d, n, batch, compute, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    prefetch = int(sys.argv[6]) if len(sys.argv) > 6 else 2
    readers = int(sys.argv[7]) if len(sys.argv) > 7 else 1
    files = sorted(os.path.join(d, f) for f in os.listdir(d))
    total = steps * n * batch
    stream = []
    epoch = 0
    while len(stream) < total:
        order = list(range(len(files)))
        random.Random(epoch).shuffle(order)
        stream.extend(order)
        epoch += 1
    start = threading.Barrier(n)
    results = [None] * n
    nbytes = [0] * n

    def accelerator(a):
        q = queue.Queue(maxsize=prefetch)
        ks = list(range(steps))
        lock = threading.Lock()
        done = {}

        def reader():
            while True:
                with lock:
                    if not ks:
                        return
                    k = ks.pop(0)
                j = k * n + a
                got = 0
                for g in range(j * batch, (j + 1) * batch):
                    with open(files[stream[g]], "rb") as f:
                        got += len(f.read())
                with lock:
                    done[k] = got
                # In order into the bounded queue (blocks while `prefetch` batches wait).
                while True:
                    with lock:
                        if min(done) == k:
                            del done[k]
                            break
                    time.sleep(0.0001)
                q.put(got)

        ts = [threading.Thread(target=reader) for _ in range(readers)]
        for t in ts:
            t.start()
        compute_s = wait_s = 0.0
        for k in range(steps):
            if k == 1:
                start.wait()
            t0 = time.monotonic()
            nbytes[a] += q.get()
            t1 = time.monotonic()
            time.sleep(compute)
            t2 = time.monotonic()
            if k >= 1:
                compute_s += t2 - t1
                wait_s += t1 - t0
        for t in ts:
            t.join()
        results[a] = (compute_s, wait_s)

    t0 = time.monotonic()
    acc = [threading.Thread(target=accelerator, args=(a,)) for a in range(n)]
    for t in acc:
        t.start()
    for t in acc:
        t.join()
    secs = time.monotonic() - t0
    c = sum(r[0] for r in results)
    w = sum(r[1] for r in results)
    print(json.dumps({"accelerators": n, "au": c / (c + w) if c + w > 0 else None, "samples": total,
                      "samples_per_s": total / secs, "bandwidth_bytes_per_s": sum(nbytes) / secs}))


if __name__ == "__main__":
    main()
