"""ReIDMetric end to end: process() on predicted samples, compute_metrics() / evaluate()."""
import random
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

with warnings.catch_warnings():
    warnings.simplefilter('ignore')  # torchreid: "Cython evaluation is unavailable"
    from mmcl_ice_plugin.evaluation import ReIDMetric
    from mmcl_ice_plugin.registry import METRICS
    from torchreid.reid.metrics import compute_distance_matrix
    from torchreid.reid.metrics import evaluate_rank as torchreid_evaluate_rank
    from torchreid.reid.utils import re_ranking


def make_samples(noise, seed=0, num_ids=8, dim=32, normalise=False):
    """One query per identity (camera 0); gallery: 2 images in each of cameras 1 and 2, one
    image in camera 0 with an unrelated feature (it must be ignored: same pid and camera as the
    query, it would otherwise be a badly ranked match), and 3 distractor identities.
    Returned in shuffled order."""
    gen = torch.Generator().manual_seed(seed)
    protos = torch.randn(2 * num_ids + 3, dim, generator=gen)
    specs = [(pid, 0, True, pid) for pid in range(num_ids)]
    specs += [(pid, cam, False, pid) for pid in range(num_ids) for cam in (1, 2, 1, 2)]
    specs += [(pid, 0, False, num_ids + 3 + pid) for pid in range(num_ids)]
    specs += [(pid, 1, False, pid) for pid in range(num_ids, num_ids + 3)]
    samples = []
    for index, (pid, cam, is_query, proto) in enumerate(specs):
        feat = protos[proto] + noise * torch.randn(dim, generator=gen)
        if normalise:
            feat = F.normalize(feat, dim=0)
        samples.append(dict(feat=feat, pid=pid, camid=cam, is_query=is_query, index=index))
    random.Random(seed).shuffle(samples)
    return samples


def run_metric(samples, batch_size=7, **kwargs):
    metric = ReIDMetric(**kwargs)
    for start in range(0, len(samples), batch_size):
        metric.process(None, samples[start:start + batch_size])
    return metric.compute_metrics(metric.results)


def reference(samples, metric='cosine', rerank=False):
    """torchreid's own pipeline: compute_distance_matrix (+ re_ranking) + evaluate_rank."""
    samples = sorted(samples, key=lambda s: s['index'])
    q = [s for s in samples if s['is_query']]
    g = [s for s in samples if not s['is_query']]
    qf, gf = torch.stack([s['feat'] for s in q]), torch.stack([s['feat'] for s in g])
    distmat = compute_distance_matrix(qf, gf, metric).numpy()
    if rerank:
        distmat = re_ranking(distmat, compute_distance_matrix(qf, qf, metric).numpy(),
                             compute_distance_matrix(gf, gf, metric).numpy())
    labels = [np.array([s[k] for s in part]) for k in ('pid', 'camid') for part in (q, g)]
    cmc, mean_ap = torchreid_evaluate_rank(distmat, labels[0], labels[1], labels[2], labels[3],
                                           max_rank=10, use_metric_cuhk03=False,
                                           use_cython=False)
    return {'mAP': 100 * mean_ap, 'rank1': 100 * cmc[0], 'rank5': 100 * cmc[4],
            'rank10': 100 * cmc[9]}


def assert_metrics_close(result, expected, tol=1e-4):
    assert set(result) == set(expected)
    for key, value in expected.items():
        assert result[key] == pytest.approx(value, abs=tol), key


@pytest.mark.parametrize('metric', ['cosine', 'euclidean'])
def test_separated_identities_score_100(metric):
    result = run_metric(make_samples(noise=0.05), metric=metric)
    assert result == {'mAP': 100.0, 'rank1': 100.0, 'rank5': 100.0, 'rank10': 100.0}


@pytest.mark.parametrize('metric', ['cosine', 'euclidean'])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_matches_torchreid_pipeline(metric, seed):
    samples = make_samples(noise=1.5, seed=seed)
    result = run_metric(samples, metric=metric)
    assert_metrics_close(result, reference(samples, metric))
    assert result['mAP'] < 100  # a real ranking problem, not a trivial one


def test_euclidean_and_cosine_agree_on_normalised_features():
    samples = make_samples(noise=1.5, seed=3, normalise=True)
    assert_metrics_close(run_metric(samples, metric='euclidean'),
                         run_metric(samples, metric='cosine'), tol=1e-6)


def test_rerank_equals_torchreid_and_is_sane():
    samples = make_samples(noise=1.2, seed=4)
    result = run_metric(samples, rerank=True)
    assert_metrics_close(result, reference(samples, rerank=True))
    assert all(0 <= v <= 100 for v in result.values())
    assert result['rank1'] <= result['rank5'] <= result['rank10']
    assert run_metric(make_samples(noise=0.05), rerank=True)['mAP'] == pytest.approx(100.0)


def test_evaluate_through_registry_clears_results():
    metric = METRICS.build(dict(type='ReIDMetric', ranks=(1, 3)))
    samples = make_samples(noise=0.05)
    for sample in samples:  # half-precision features are accepted
        sample['feat'] = sample['feat'].half()
    metric.process(None, samples)
    assert metric.evaluate(len(samples)) == {'mAP': 100.0, 'rank1': 100.0, 'rank3': 100.0}
    assert metric.results == []


def test_process_stores_compact_cpu_copies():
    batch = torch.randn(4, 16)
    metric = ReIDMetric()
    metric.process(None, [dict(feat=batch[i], pid=i, camid=0, is_query=False, index=i)
                          for i in range(4)])
    stored = metric.results[0]['feat']
    assert stored.untyped_storage().nbytes() == 16 * 4  # not a view of the whole batch
    assert torch.equal(stored, batch[0])


def test_prefix():
    samples = make_samples(noise=0.05)
    metric = ReIDMetric(prefix='market')
    metric.process(None, samples)
    assert set(metric.evaluate(len(samples))) == {'market/mAP', 'market/rank1', 'market/rank5',
                                                  'market/rank10'}


def test_clear_errors():
    samples = make_samples(noise=0.05)
    gallery_only = [s for s in samples if not s['is_query']]
    with pytest.raises(ValueError, match='got 0 queries'):
        run_metric(gallery_only)
    with pytest.raises(ValueError, match='0 gallery images'):
        run_metric([s for s in samples if s['is_query']])
    with pytest.raises(ValueError, match='unknown metric'):
        ReIDMetric(metric='manhattan')
    with pytest.raises(ValueError, match='ranks'):
        ReIDMetric(ranks=(0, 5))
    with pytest.raises(KeyError, match='is_query'):
        ReIDMetric().process(None, [dict(feat=torch.zeros(4), pid=0, camid=0, index=0)])
