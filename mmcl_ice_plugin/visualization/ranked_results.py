"""Draw ranked retrieval results: a query and its top-k gallery images, matches marked."""
import os
import os.path as osp
from typing import List, Sequence

import numpy as np
from PIL import Image, ImageDraw

from ..datasets.image_io import read_image

GREEN, RED, GREY = (40, 170, 60), (210, 40, 40), (120, 120, 120)


def _tile(path: str, size: tuple, border: tuple, caption: str) -> Image.Image:
    height, width = size
    pad, text_h = 4, 14
    tile = Image.new('RGB', (width + 2 * pad, height + 2 * pad + text_h), 'white')
    tile.paste(Image.new('RGB', (width + 2 * pad, height + 2 * pad), border), (0, 0))
    tile.paste(read_image(path).resize((width, height), Image.BILINEAR), (pad, pad))
    ImageDraw.Draw(tile).text((2, height + 2 * pad), caption, fill=(0, 0, 0))
    return tile


def draw_ranked_results(distmat: np.ndarray, query_paths: Sequence[str],
                        gallery_paths: Sequence[str], q_pids: np.ndarray, g_pids: np.ndarray,
                        q_camids: np.ndarray, g_camids: np.ndarray, out_dir: str,
                        topk: int = 10, query_indices: Sequence[int] = (),
                        size: tuple = (128, 64)) -> List[str]:
    """Write one PNG per query: the query, then its ``topk`` gallery images in rank order.

    The query has a grey border; a gallery image a green one when the identity matches, red
    otherwise. Gallery images of the query's own identity and camera are skipped, as the
    Market-1501 protocol does.

    Args:
        distmat (np.ndarray): ``(Q, G)`` distances.
        query_paths (Sequence[str]): Image file of each query.
        gallery_paths (Sequence[str]): Image file of each gallery item.
        q_pids (np.ndarray): ``(Q,)`` query identities.
        g_pids (np.ndarray): ``(G,)`` gallery identities.
        q_camids (np.ndarray): ``(Q,)`` query cameras.
        g_camids (np.ndarray): ``(G,)`` gallery cameras.
        out_dir (str): Folder of the PNG files.
        topk (int): Gallery images per query. Defaults to 10.
        query_indices (Sequence[int]): The queries to draw. Defaults to ``()`` (none).
        size (tuple): ``(height, width)`` of each tile's image. Defaults to (128, 64).

    Returns:
        list[str]: The written file paths.
    """
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for q in query_indices:
        order = np.argsort(distmat[q], kind='stable')
        junk = (g_pids[order] == q_pids[q]) & (g_camids[order] == q_camids[q])
        ranked = order[~junk][:topk]
        tiles = [_tile(query_paths[q], size, GREY, f'query id{q_pids[q]} c{q_camids[q] + 1}')]
        for rank, g in enumerate(ranked, 1):
            match = g_pids[g] == q_pids[q]
            tiles.append(_tile(gallery_paths[g], size, GREEN if match else RED,
                               f'#{rank} id{g_pids[g]} c{g_camids[g] + 1}'))
        width = sum(t.width for t in tiles) + 8 * (len(tiles) - 1) + 12
        canvas = Image.new('RGB', (width, tiles[0].height), 'white')
        x = 0
        for i, tile in enumerate(tiles):
            canvas.paste(tile, (x, 0))
            x += tile.width + (20 if i == 0 else 8)
        path = osp.join(out_dir, f'query_{q:05d}_{osp.splitext(osp.basename(query_paths[q]))[0]}.png')
        canvas.save(path)
        written.append(path)
    return written
