"""benchmarks/utils/machine.py: what the benchmarks report their figures were measured on."""
import json

import torch

from benchmarks.utils.machine import cpu_model, describe_machine, gpu_model, machine_info


def test_machine_info_is_json_ready_and_described():
    info = machine_info()
    assert json.loads(json.dumps(info)) == info
    assert info['cpu'] == cpu_model() and info['cores'] >= 1
    assert info['gpu'] == gpu_model()
    assert (info['gpu'] is None) == (not torch.cuda.is_available())
    assert info['torch'] == torch.__version__ and info['torch_threads'] >= 1
    line = describe_machine(info)
    assert line.startswith(info['cpu']) and f'{info["cores"]} logical cores' in line
    assert f'GPU {info["gpu"] or "none"}' in line
