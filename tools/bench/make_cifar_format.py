#!/usr/bin/env python3
"""Writes a CIFAR-10 binary-version dataset of random images (data_batch_1..5.bin and
test_batch.bin: per record 1 label byte + 3072 pixel bytes, channel-major 32x32), so the real
loader path can be timed where the real dataset cannot be downloaded.

    make_cifar_format.py OUT_DIR [--train 50000] [--test 10000]
"""
import argparse
import os
import random


def write_batch(path, count, rng):
    record = bytearray(3073)
    with open(path, "wb") as f:
        for _ in range(count):
            record[0] = rng.randrange(10)
            record[1:] = rng.randbytes(3072)
            f.write(record)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir")
    p.add_argument("--train", type=int, default=50000)
    p.add_argument("--test", type=int, default=10000)
    a = p.parse_args()
    if a.train % 5:
        p.error("--train must be a multiple of 5 (five training batches)")
    os.makedirs(a.out_dir, exist_ok=True)
    rng = random.Random(1234)
    for i in range(1, 6):
        write_batch(os.path.join(a.out_dir, "data_batch_%d.bin" % i), a.train // 5, rng)
    write_batch(os.path.join(a.out_dir, "test_batch.bin"), a.test, rng)


if __name__ == "__main__":
    main()
