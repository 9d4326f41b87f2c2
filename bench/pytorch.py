"""Child process: trains one workload with PyTorch and, for W1, times W3 inference.

Run by bench/run.ts as `/usr/bin/python3 bench/pytorch.py --spec JSON` (Debian's python3-torch),
following the protocol of bench/measure.ts: one line `BENCH-RESULT {json}` on stdout.

Before measuring, it checks which BLAS the process really loaded. Debian builds torch against
the generic libblas.so.3 (its config says BLAS_INFO=generic), so the library behind that name
decides the speed: OpenBLAS, or the reference BLAS, which is about twelve times slower and would
be a false anchor. Without OpenBLAS the child refuses to measure.
"""

import ctypes
import json
import os
import re
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

MARKER = "BENCH-RESULT "


def emit(result):
    print(MARKER + json.dumps(result), flush=True)


def read_idx(path, magic, header_bytes):
    """The bytes after an IDX header, checking the magic number (2051 images, 2049 labels)."""
    with open(path, "rb") as file:
        data = file.read()
    found = int.from_bytes(data[0:4], "big")
    if found != magic:
        raise ValueError(f"{path}: magic number {found}, expected {magic}")
    return np.frombuffer(data, dtype=np.uint8, offset=header_bytes)


def load_mnist(images_path, labels_path):
    pixels = read_idx(images_path, 2051, 16)
    labels = read_idx(labels_path, 2049, 8)
    x = torch.from_numpy(pixels.astype(np.float32) / 255.0).view(len(labels), 784)
    return x, torch.from_numpy(labels.astype(np.int64))


def loaded_blas():
    """The BLAS and LAPACK libraries mapped into this process, by path."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line or "lapack" in line}
    return sorted(path for path in paths if path.startswith("/"))


def openblas_details(libraries):
    """OpenBLAS's own account of its build, the kernel it picked for this CPU, and its threads."""
    path = next((p for p in libraries if "libopenblas" in p), None)
    if path is None:
        return None
    library = ctypes.CDLL(path)
    library.openblas_get_config.restype = ctypes.c_char_p
    library.openblas_get_corename.restype = ctypes.c_char_p
    return {
        "library": path,
        "config": library.openblas_get_config().decode(),
        "kernel": library.openblas_get_corename().decode(),
        "threads": library.openblas_get_num_threads(),
    }


def machine_times():
    """Jiffies all cores spent busy and in total since boot, as /proc/stat counts them."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    total = sum(fields[:8])  # up to steal; guest time is already inside user
    return total - idle, total


def watch_cpu():
    """As watchCpu in measure.ts: this process's CPU share, and what other processes used meanwhile."""
    cpu_started = time.process_time()
    wall_started = time.perf_counter()
    busy_started, total_started = machine_times()
    cores = os.cpu_count()

    def stop():
        cpu_share = (time.process_time() - cpu_started) / (time.perf_counter() - wall_started)
        busy, total = machine_times()
        machine = (busy - busy_started) / max(total - total_started, 1) * cores
        return {"cpuShare": cpu_share, "otherCores": max(0.0, machine - cpu_share)}

    return stop


def build_model(workload):
    layers = workload["layers"]
    modules = []
    for i in range(1, len(layers)):
        modules.append(torch.nn.Linear(layers[i - 1], layers[i]))
        last = i == len(layers) - 1
        if not last:
            modules.append(torch.nn.ReLU() if workload["activation"] == "relu" else torch.nn.Sigmoid())
        elif workload["output"] == "sigmoid":
            modules.append(torch.nn.Sigmoid())
        # A softmax output is left to F.cross_entropy, which takes logits.
    return torch.nn.Sequential(*modules)


def loss_of(workload, output, labels, targets):
    if workload["loss"] == "cross-entropy":
        return F.cross_entropy(output, labels)
    # The quadratic cost: half the squared error summed over the outputs, averaged over the batch.
    return 0.5 * (output - targets).pow(2).sum() / output.shape[0]


def examples_within_budget(seconds_per_example, budget, batch_size, total):
    """As examplesWithinBudget in measure.ts: all digits if an epoch fits the budget, else whole batches."""
    if seconds_per_example * total <= budget:
        return total
    batches = int(budget / seconds_per_example / batch_size)
    return min(total, max(10, batches) * batch_size)


def main():
    spec = json.loads(sys.argv[sys.argv.index("--spec") + 1])
    workload = spec["workload"]
    threads = spec["threads"]
    torch.set_num_threads(threads)
    libraries = loaded_blas()
    openblas = openblas_details(libraries)
    if openblas is None:
        emit({"skipped": "torch loaded no OpenBLAS (BLAS: " + (", ".join(libraries) or "none")
              + "); the reference BLAS would be a false anchor"})
        return
    if "USE_OPENMP" not in openblas["config"]:
        emit({"skipped": "torch loaded the pthread build of OpenBLAS (" + openblas["config"]
              + "), whose threads fight torch's own; install libopenblas0-openmp"})
        return
    torch.manual_seed(1)

    paths = spec["mnist"]
    x, labels = load_mnist(paths["trainImages"], paths["trainLabels"])
    x_test, labels_test = load_mnist(paths["testImages"], paths["testLabels"])
    targets = F.one_hot(labels, 10).float()
    model = build_model(workload)
    optimizer = torch.optim.SGD(model.parameters(), lr=workload["learningRate"], momentum=workload["momentum"])
    batch_size = workload["batchSize"]

    def train_epoch(examples):
        order = torch.randperm(examples)
        started = time.perf_counter()
        for start in range(0, examples, batch_size):
            indices = order[start:start + batch_size]
            output = model(x[indices])
            loss = loss_of(workload, output, labels[indices], targets[indices])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss.item()
        return time.perf_counter() - started

    total = len(labels)
    cpu_use = watch_cpu()
    warmup = min(total, -(-spec["warmupExamples"] // batch_size) * batch_size)
    warmup_seconds = train_epoch(warmup)
    examples = examples_within_budget(warmup_seconds / warmup, spec["budgetSeconds"], batch_size, total)
    # Untimed epochs as long as the measured ones, at least settlingEpochs of them and more until
    # they have taken settlingSeconds, as in measure.ts's measureEpochs.
    settling_epoch_seconds = []
    settled = 0.0
    while len(settling_epoch_seconds) < spec["settlingEpochs"] or settled < spec["settlingSeconds"]:
        seconds = train_epoch(examples)
        settled += seconds
        settling_epoch_seconds.append(seconds * total / examples)
    epoch_seconds = [train_epoch(examples) * total / examples for _ in range(spec["epochs"])]

    def probabilities(inputs):
        output = model(inputs)
        return torch.softmax(output, 1) if workload["output"] == "softmax" else output

    with torch.inference_mode():
        test_accuracy = (probabilities(x_test).argmax(1) == labels_test).float().mean().item()

    inference = None
    if spec["inference"]:
        digit = x_test[0:1].clone()
        with torch.inference_mode():
            inference = time_inference(lambda: probabilities(x_test), lambda: probabilities(digit), spec)

    emit({
        "system": "torch", "backend": spec["backend"], "threads": threads, "workload": workload["id"],
        "label": f"PyTorch {torch.__version__}, OpenBLAS {openblas['kernel']}, {threads} thread"
                 + ("s" if threads > 1 else ""),
        "secondsPerEpoch": statistics.median(epoch_seconds), "epochSeconds": epoch_seconds,
        "settlingEpochSeconds": settling_epoch_seconds,
        "examplesPerEpoch": examples, "trainExamples": total, **cpu_use(),
        "testAccuracy": test_accuracy, "inference": inference,
        "details": {
            "python": sys.version.split()[0], "torch": torch.__version__,
            "torchThreads": torch.get_num_threads(), "blas": libraries, "openblas": openblas,
            "configMentionsOpenBLAS": "openblas" in torch.__config__.show().lower(),
            "blasInfo": (re.findall(r"BLAS_INFO=(\w+)", torch.__config__.show()) or [None])[0],
        },
    })


def time_inference(batch, single, spec):
    """As timeInference in measure.ts: medians over timed batch calls and blocks of single calls."""
    batch()
    batch_times = []
    for _ in range(spec["batchCalls"]):
        started = time.perf_counter()
        batch()
        batch_times.append(time.perf_counter() - started)
    # The warm-up goes on for a time, as in measure.ts.
    warmup_started = time.perf_counter()
    warmup_calls = 0
    while warmup_calls < spec["singleBlockCalls"] or time.perf_counter() - warmup_started < spec["singleWarmupSeconds"]:
        single()
        warmup_calls += 1
    block_times = []
    for _ in range(spec["singleBlocks"]):
        started = time.perf_counter()
        for _ in range(spec["singleBlockCalls"]):
            single()
        block_times.append((time.perf_counter() - started) / spec["singleBlockCalls"])
    return {
        "batchMilliseconds": statistics.median(batch_times) * 1e3, "batchCalls": spec["batchCalls"],
        "singleMicroseconds": statistics.median(block_times) * 1e6,
        "singleCalls": spec["singleBlocks"] * spec["singleBlockCalls"],
    }


if __name__ == "__main__":
    main()
