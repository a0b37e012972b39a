import pytest
import torch
import torch.nn.functional as F

from mmcl_ice_plugin.models import ICE
from mmcl_ice_plugin.registry import MODELS

BACKBONE = dict(type='TorchreidBackbone', name='resnet18')


def make_ice(**kwargs):
    torch.manual_seed(0)
    model = ICE(backbone=BACKBONE, neck=dict(bias_trainable=False), **kwargs)
    model.init_teacher()
    return model


def fill_clusters(model, n=24, clusters=4, cams=3):
    feats = F.normalize(torch.randn(n, model.feat_dim), dim=1)
    labels = torch.arange(n) % clusters
    model.cluster_memory.update(feats, labels, torch.arange(n) % cams)
    return labels


def test_teacher_update_moves_parameters_only():
    model = make_ice()
    teacher_params = [p.clone() for p in model.teacher.parameters()]
    teacher_bn = model.teacher['neck'].bn.running_mean.clone()
    with torch.no_grad():
        for p in list(model.backbone.parameters()) + list(model.neck.parameters()):
            p.add_(torch.randn_like(p))
        model.neck.bn.running_mean.add_(5)
    student = list(model.backbone.parameters()) + list(model.neck.parameters())
    model.update_teacher()
    for old, new, s in zip(teacher_params, model.teacher.parameters(), student):
        torch.testing.assert_close(new, 0.999 * old + 0.001 * s)
    torch.testing.assert_close(model.teacher['neck'].bn.running_mean, teacher_bn)


def test_init_teacher_copies_only_when_needed():
    model = make_ice()
    with torch.no_grad():
        model.backbone.model.conv1.weight.add_(1)
    model.init_teacher()  # already a copy: untouched
    assert not torch.equal(model.teacher['backbone'].model.conv1.weight,
                           model.backbone.model.conv1.weight)
    fresh = ICE(backbone=BACKBONE)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith('teacher')}
    fresh.load_state_dict(state, strict=False)  # e.g. a supervised model as load_from
    fresh.init_teacher()
    assert torch.equal(fresh.teacher['backbone'].model.conv1.weight,
                       model.backbone.model.conv1.weight)


def test_shuffle_bn_restores_the_order():
    model = make_ice()
    model.train()
    x = torch.randn(8, 3, 32, 16)
    shuffled = model.teacher_train_forward(x)
    model.shuffle_bn = False
    torch.testing.assert_close(shuffled, model.teacher_train_forward(x), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize('camera_aware', [True, False])
def test_loss_trains_the_student_only(camera_aware):
    model = make_ice(camera_aware=camera_aware)
    labels = fill_clusters(model)
    model.train()
    index = torch.tensor([0, 4, 8, 12, 1, 5, 9, 13])
    views = [torch.randn(8, 3, 32, 16) for _ in range(3)]
    losses = model(views, index=index, camid=index % 3, mode='loss')
    expected = {'loss_ccl', 'loss_hins', 'loss_sins'} | ({'loss_cam'} if camera_aware else set())
    assert set(losses) == expected
    assert labels[index].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    sum(losses.values()).backward()
    assert model.backbone.model.conv1.weight.grad is not None
    assert all(p.grad is None for p in model.teacher.parameters())


def test_loss_refuses_outliers_and_single_views():
    model = make_ice()
    fill_clusters(model)
    model.cluster_memory.labels[0] = -1
    views = [torch.randn(4, 3, 32, 16) for _ in range(3)]
    with pytest.raises(ValueError, match='outlier'):
        model(views, index=torch.arange(4), camid=torch.zeros(4, dtype=torch.long), mode='loss')
    with pytest.raises(ValueError, match='MultiView'):
        model(views[0], index=torch.arange(4), camid=torch.zeros(4, dtype=torch.long),
              mode='loss')


def test_loss_configs_merge_over_the_authors_unless_the_type_changes():
    class PlainLoss(torch.nn.Module):
        """A loss whose __init__ takes none of HardInstanceLoss's arguments."""

        def forward(self, student, teacher, labels):
            return student.sum() * 0

    MODELS.register_module(module=PlainLoss, force=True)
    model = make_ice(losses=dict(hard_instance=dict(type='PlainLoss'),
                                 soft_instance=dict(weight=2.0)))
    assert type(model.loss_hard_instance) is PlainLoss
    assert model.loss_soft_instance.weight == 2.0
    assert model.loss_soft_instance.temperature == 0.4  # the authors' value kept
