#!/usr/bin/env python3
"""Regenerate the CSV files that examples/*.cnet read (deterministic, stdlib only).

    python3 examples/make_data.py

junction.csv  river junction: upstream gauges x0..x2, downstream gauges t0..t2
routing.csv   the engineers' prior routing matrix R (3x3, columns sum to 1)
weather.csv   temperature, humidity, pressure anomaly -> one-hot dry/rain/snow
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
R = [[0.7, 0.2, 0.0],
     [0.3, 0.6, 0.1],
     [0.0, 0.2, 0.9]]


def write(name, header, rows):
    with open(os.path.join(HERE, name), "w") as f:
        if header:
            f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join("%.6g" % v for v in r) + "\n")


def junction(rng, n=400):
    rows = []
    for _ in range(n):
        x = [rng.uniform(0.5, 3.0) for _ in range(3)]
        y = [sum(R[i][j] * x[j] for j in range(3)) for i in range(3)]
        # A backwater effect moves water from outlet 0 to outlet 1 when both
        # carry a lot; it moves water, it never creates or destroys it.
        moved = 0.15 * x[0] * x[1] / (1.0 + x[1])
        y[0] -= moved
        y[1] += moved
        # Gauges are noisy, so the measured totals do not balance exactly.
        t = [v + rng.gauss(0.0, 0.03) for v in y]
        rows.append(x + t)
    return rows


def weather(rng, n=600):
    rows = []
    for _ in range(n):
        temp = rng.uniform(-10.0, 30.0)
        hum = rng.uniform(0.0, 1.0)
        press = rng.gauss(0.0, 8.0)
        wet = 1.0 / (1.0 + math.exp(-(8.0 * (hum - 0.6) - 0.3 * press)))
        if rng.random() >= wet:
            k = 0
        elif temp < 0.5 + rng.gauss(0.0, 0.7):
            k = 2
        else:
            k = 1
        rows.append([temp, hum, press] + [1.0 if i == k else 0.0 for i in range(3)])
    return rows


def main():
    rng = random.Random(20250130)
    write("routing.csv", None, R)
    write("junction.csv", ["x0", "x1", "x2", "t0", "t1", "t2"], junction(rng))
    write("weather.csv", ["x0", "x1", "x2", "t0", "t1", "t2"], weather(rng))


if __name__ == "__main__":
    main()
