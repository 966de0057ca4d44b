"""PyTorch peer of `xor --preset seed --seeds N`: the TensorFlow tutorial's XNOR net.

2 inputs -> 2 sigmoid hidden units -> 1 sigmoid output, mean squared error, Adam at
learning rate 0.03, 5,000 full-batch steps on the 4 XNOR rows, PyTorch's default
initialisation. Trains N seeds and prints one JSON line:
{"seeds_total", "seeds_converged", "mean_final_loss", "seconds_total", "seconds_per_net"}.

    python3 xor_pytorch.py --seeds 100 --hidden 2 --threads 2
"""

import argparse
import json
import time

import torch


def train(seed: int, hidden: int, steps: int, lr: float):
    torch.manual_seed(seed)
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[1.0], [0.0], [0.0], [1.0]])
    net = torch.nn.Sequential(
        torch.nn.Linear(2, hidden), torch.nn.Sigmoid(), torch.nn.Linear(hidden, 1), torch.nn.Sigmoid()
    )
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = torch.nn.MSELoss()
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
    with torch.no_grad():
        out = net(x)
        final = loss_fn(out, y).item()
        converged = bool(((out >= 0.5).float() == y).all())
    return final, converged


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=100)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--hidden", type=int, default=2)
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--lr", type=float, default=0.03)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    start = time.perf_counter()
    results = [train(a.first_seed + s, a.hidden, a.steps, a.lr) for s in range(a.seeds)]
    total = time.perf_counter() - start
    print(json.dumps({
        "framework": f"pytorch {torch.__version__}",
        "hidden": a.hidden,
        "seeds_total": a.seeds,
        "seeds_converged": sum(c for _, c in results),
        "mean_final_loss": sum(l for l, _ in results) / a.seeds,
        "seconds_total": total,
        "seconds_per_net": total / a.seeds,
    }))


if __name__ == "__main__":
    main()
