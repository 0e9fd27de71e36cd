#!/usr/bin/python3
"""Creates N empty files in one new directory under DIR, one thread, and reports the create rate
of every 100,000, whether `ls -f` lists exactly N + 2 names, and the rate of cold stats of random
entries in it against those in a directory of 1,000 entries made afterwards (alternating, three
rounds each, so that both are measured in the same warm state). Run as root (it drops the kernel's dentry and inode caches),
with Debian's /usr/bin/python3:  /usr/bin/python3 tools/bench/huge_directory.py DIR [N]
The directory is left behind: removing a million files takes as long as making them."""
import os
import random
import subprocess
import sys
import time


def drop_dentries():
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("2")


def stat_rate(directory, count, samples=1000):
    # Distinct entries only: a name drawn twice would be answered from the kernel's dentry cache
    # the second time, which flatters the smaller directory (a third of 1,000 draws from 1,000).
    names = [f"{directory}/f{i}" for i in random.sample(range(count), min(samples, count))]
    drop_dentries()
    start = time.time()
    for name in names:
        os.stat(name)
    return samples / (time.time() - start)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 1_000_000
    directory = os.path.join(sys.argv[1], f"huge-directory-{os.getpid()}")
    os.mkdir(directory)
    window = time.time()
    for i in range(n):
        os.close(os.open(f"{directory}/f{i}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        if (i + 1) % 100_000 == 0:
            now = time.time()
            print(f"{i + 1:>9,} entries: the last 100,000 at {100_000 / (now - window):.0f} creates/s", flush=True)
            window = now
    drop_dentries()
    start = time.time()
    listed = subprocess.run(["sh", "-c", f"ls -f '{directory}' | wc -l"], capture_output=True, text=True,
                            check=True).stdout.strip()
    verdict = "exact" if int(listed) == n + 2 else "WRONG"
    print(f"ls -f | wc -l: {listed} ({verdict}: {n:,} files, . and ..) in {time.time() - start:.1f} s", flush=True)
    small = directory + "-small"
    os.mkdir(small)
    for i in range(1000):
        os.close(os.open(f"{small}/f{i}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    for _ in range(3):
        print(f"cold stats: {stat_rate(small, 1000):.0f}/s at 1,000 entries, "
              f"{stat_rate(directory, n):.0f}/s at {n:,}", flush=True)
    print(f"left in place: {directory} and {small}")


if __name__ == "__main__":
    main()
