import numpy as np
import pytest
from PIL import Image

from .helpers import run_tool
from .tiny_configs import supervised_config


@pytest.mark.slow(11)
def test_ranked_results_are_drawn(tiny_market, tmp_path):
    out = tmp_path / 'ranks'
    proc = run_tool('visualize_ranks.py', supervised_config(tmp_path, tiny_market), '--untrained',
                    '--out-dir', str(out), '--num-queries', '3', '--topk', '5')
    pngs = sorted(out.glob('*.png'))
    assert len(pngs) == 3 and '3 ranked lists' in proc.stdout
    with Image.open(pngs[0]) as img:
        assert img.width > 6 * 64 and img.height > 128  # query + 5 gallery tiles at 128x64
        pixels = {tuple(p) for p in np.asarray(img.convert('RGB')).reshape(-1, 3)}
        assert pixels & {(40, 170, 60), (210, 40, 40)}  # match / mismatch frames
