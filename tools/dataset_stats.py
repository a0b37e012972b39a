"""Print what decides whether unsupervised re-ID can work on a dataset.

    python tools/dataset_stats.py data/synthetic [--source folder] [--height 128 --width 64]
        [--model-name tf_efficientnet_lite0] [--json stats.json]

For any dataset the plugin reads (a Market-1501-layout folder, or a torchreid name with
``--source``):

* sizes: identities, images, images per identity and per identity-camera, cameras per identity;
* the ImageNet-initialised backbone used directly (no re-ID training): query/gallery mAP and
  rank-1, and the same backbone from random weights;
* ICE's epoch-0 pseudo labels from the ImageNet features of the train split (k-reciprocal
  Jaccard distance + DBSCAN with ICE's defaults): clusters, outliers, pairwise precision and
  recall, and the share of clusters that span more than one camera.

A realistic generated domain keeps direct transfer far below supervised while its epoch-0
clusters are far purer than chance; docs/synthetic_data.md compares the generated sets with
Market-1501.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Any, Dict

import numpy as np
import torch
from torch.utils.data import DataLoader

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmcl_ice_plugin.datasets import ReIDDataset  # noqa: E402
from mmcl_ice_plugin.engine.feature_extraction import extract_features  # noqa: E402
from mmcl_ice_plugin.evaluation import evaluate_rank  # noqa: E402
from mmcl_ice_plugin.pseudo_labels import (camera_view_quality, dbscan_labels,  # noqa: E402
                                           jaccard_distance, pseudo_label_quality)
from mmcl_ice_plugin.registry import MODELS  # noqa: E402

NORM = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])


def size_stats(dataset: ReIDDataset) -> Dict[str, float]:
    """Identity, image and camera counts of a train split."""
    pids, cams = dataset.pids, dataset.camids
    _, per_id = np.unique(pids, return_counts=True)
    pairs, per_pair = np.unique(pids * (cams.max() + 1) + cams, return_counts=True)
    _, cams_per_id = np.unique(pairs // (cams.max() + 1), return_counts=True)
    return dict(num_ids=int(len(per_id)), num_images=int(len(pids)),
                num_cams=int(len(np.unique(cams))), imgs_per_id=float(per_id.mean()),
                imgs_per_id_cam=float(per_pair.mean()), cams_per_id=float(cams_per_id.mean()))


def build_model(model_name: str, pretrained: bool, last_stride: int) -> torch.nn.Module:
    model = MODELS.build(dict(
        type='BaseReID', test_feature='post_bn',
        backbone=dict(type='TIMMBackbone', model_name=model_name, pretrained=pretrained,
                      last_stride=last_stride)))
    return model.eval()


def features(model: torch.nn.Module, dataset: ReIDDataset, workers: int) -> torch.Tensor:
    loader = DataLoader(dataset, batch_size=64, num_workers=workers, shuffle=False)
    feats, order = extract_features(model.test_features, loader)
    assert torch.equal(order, torch.arange(len(dataset)))
    return feats


def retrieval(model: torch.nn.Module, test: ReIDDataset, workers: int) -> Dict[str, float]:
    feats = features(model, test, workers)
    q = torch.as_tensor(test.is_query)
    dist = 2 - 2 * feats[q] @ feats[~q].T
    cmc, mean_ap = evaluate_rank(dist, test.pids[test.is_query], test.pids[~test.is_query],
                                 test.camids[test.is_query], test.camids[~test.is_query])
    return dict(mAP=100 * float(mean_ap), rank1=100 * float(cmc[0]))


def clustering(feats: torch.Tensor, train: ReIDDataset, k1: int, eps: float
               ) -> Dict[str, Any]:
    labels = dbscan_labels(jaccard_distance(feats.numpy(), k1=k1, k2=6), eps=eps, min_samples=4)
    quality = pseudo_label_quality(labels, train.pids)
    view = camera_view_quality(labels, train.pids, train.camids)
    return dict(num_clusters=quality['num_clusters'], num_outliers=quality['num_outliers'],
                precision=100 * quality['precision'], recall=100 * quality['recall'],
                multi_camera_clusters=100 * (1 - view['single_camera_clusters'])
                if quality['num_clusters'] else 0.0,
                clusters_per_identity=view['clusters_per_identity'],
                cameras_per_identity=view['cameras_per_identity'])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root', help='a Market-1501-layout folder, or torchreid\'s root '
                        'with --source')
    parser.add_argument('--source', default='folder', help="'folder' or a torchreid name")
    parser.add_argument('--model-name', default='tf_efficientnet_lite0',
                        help='timm model with ImageNet weights available offline')
    parser.add_argument('--last-stride', type=int, default=1,
                        help='1 removes the stride of the last stage (default), 2 keeps it')
    parser.add_argument('--height', type=int, default=128, help='input height')
    parser.add_argument('--width', type=int, default=64, help='input width')
    parser.add_argument('--k1', type=int, default=20,
                        help="Jaccard k1 of the epoch-0 clustering (default: "
                        "configs/ice_lite0_synthetic.py's 20; the authors' 30)")
    parser.add_argument('--eps', type=float, default=0.55,
                        help='DBSCAN radius of the epoch-0 clustering (ICE: 0.55)')
    parser.add_argument('--workers', type=int, default=2, help='dataloader workers')
    parser.add_argument('--json', help='also write the figures to this file')
    args = parser.parse_args()

    pipeline = [dict(type='Resize', size=(args.height, args.width), interpolation='bicubic'),
                dict(type='ToTensor'), dict(type='Normalize', **NORM)]
    train = ReIDDataset(args.data_root, args.source, 'train', pipeline)
    test = ReIDDataset(args.data_root, args.source, 'query+gallery', pipeline)
    torch.manual_seed(0)
    stats: Dict[str, Any] = dict(data_root=args.data_root, input=f'{args.height}x{args.width}',
                                 model=args.model_name, sizes=size_stats(train))
    imagenet = build_model(args.model_name, True, args.last_stride)
    random_init = build_model(args.model_name, False, args.last_stride)
    stats['imagenet_direct'] = retrieval(imagenet, test, args.workers)
    stats['random_init_direct'] = retrieval(random_init, test, args.workers)
    stats['epoch0_clusters'] = clustering(features(imagenet, train, args.workers), train,
                                          args.k1, args.eps)
    sizes, direct, rand, clusters = (stats[k] for k in (
        'sizes', 'imagenet_direct', 'random_init_direct', 'epoch0_clusters'))
    print(f"\n{args.data_root} ({stats['input']}, {args.model_name})\n"
          f"train: {sizes['num_ids']} ids, {sizes['num_images']} images, {sizes['num_cams']} "
          f"cameras; {sizes['imgs_per_id']:.1f} images per id, {sizes['imgs_per_id_cam']:.2f} "
          f"per id-camera, {sizes['cams_per_id']:.2f} cameras per id\n"
          f"direct (query/gallery): ImageNet {direct['mAP']:.1f} mAP / {direct['rank1']:.1f} "
          f"rank-1; random init {rand['mAP']:.1f} / {rand['rank1']:.1f}\n"
          f"epoch-0 clusters (k1 {args.k1}, eps {args.eps}): {clusters['num_clusters']} "
          f"clusters, {clusters['num_outliers']} outliers, pairwise precision "
          f"{clusters['precision']:.1f} %, recall {clusters['recall']:.1f} %, "
          f"{clusters['multi_camera_clusters']:.0f} % of clusters span several cameras; an "
          f"identity spreads over {clusters['clusters_per_identity']:.2f} clusters against "
          f"{clusters['cameras_per_identity']:.2f} cameras")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(stats, f, indent=2)


if __name__ == '__main__':
    main()
