"""Benchmarks: polykeras against hand-written code and Keras 3, on every installed backend.

Run ``python -m benchmarks`` (or ``python benchmarks/run.py``) from the repository root;
``python -m benchmarks --help`` lists the options. Results go to ``benchmarks/results/``.

Example:
    $ POLYKERAS_DATASETS=../shared/datasets python -m benchmarks --backends numpy,torch
    $ python -m benchmarks --smoke --backends jax --out /tmp/bench
"""
