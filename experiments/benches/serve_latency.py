#!/usr/bin/env python3
"""Round-trip latency of `zoo serve`'s playground: POST /api/runs/<id>/predict from a
warm client, N times, for an mnist run (a drawn "1", 112x112 as the page sends it) and
an xor run (one point). Prints the median, 95th percentile and maximum, and the
server's own time (the answer's `millis`).

    zoo serve --port 8765 &
    python3 experiments/benches/serve_latency.py http://127.0.0.1:8765 MNIST_RUN XOR_RUN
"""
import json
import sys
import time
import urllib.request


def post(base, path, body):
    start = time.perf_counter()
    request = urllib.request.Request(
        base + path, data=body, headers={"Content-Type": "application/json"}
    )
    answer = json.loads(urllib.request.urlopen(request).read())
    return (time.perf_counter() - start) * 1e3, answer


def summary(name, times, server):
    times, server = sorted(times), sorted(server)
    n = len(times)
    print(
        f"{name:6} {n} requests: round trip median {times[n // 2]:.2f} ms, "
        f"p95 {times[int(n * 0.95) - 1]:.2f} ms, max {times[-1]:.2f} ms; "
        f"in the server median {server[n // 2]:.3f} ms"
    )


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    base, mnist_run, xor_run = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    n = 100
    pixels = [0] * (112 * 112)
    for y in range(20, 92):
        for x in range(52, 60):
            pixels[y * 112 + x] = 255
    drawing = json.dumps({"width": 112, "height": 112, "pixels": pixels}).encode()
    point = json.dumps({"point": [0.2, 0.9]}).encode()
    for name, run, body in (("mnist", mnist_run, drawing), ("xor", xor_run, point)):
        path = f"/api/runs/{run}/predict"
        post(base, path, body)  # loads the model
        results = [post(base, path, body) for _ in range(n)]
        summary(name, [t for t, _ in results], [a["millis"] for _, a in results])


if __name__ == "__main__":
    main()
