"""One MMCL training step against the authors' trainer, written out here as its steps are in
their code: logits ``f @ M.T`` on the L2-normalised BN feature, labels (own index before
``start_epoch``, MPLP after, on the bank before the update), the per-sample loss loop, the
gradients it sends into the network, then the bank update sample by sample in batch order."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub

from mmcl_ice_plugin.models.algorithms import MMCL
from tests.models.test_mmcl_loss import mmcl_loop
from tests.pseudo_labels.test_mplp import mplp_loop

NUM, BATCH = 60, 12


def build(seed: int) -> MMCL:
    torch.manual_seed(seed)
    model = MMCL(backbone=dict(type='TorchreidBackbone', name='resnet18', pretrained=False),
                 start_epoch=2,
                 memory=dict(base_momentum=0.5, max_epochs=4))
    model.memory.resize(NUM)
    return model


def reference_step(model: MMCL, img, index, epoch, bank):
    """The authors' step on a copy of the bank: returns loss, grads and the updated bank."""
    model.zero_grad()
    _, post = model.extract_feat(img)
    feats = F.normalize(post, dim=1)
    logits = feats @ bank.t()
    if epoch < model.start_epoch:
        positives = torch.zeros(BATCH, NUM, dtype=torch.bool)
        positives[torch.arange(BATCH), index] = True
    else:
        positives = mplp_loop(bank, index)
    loss = mmcl_loop(logits, positives)
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    alpha = 0.5 * epoch / 4
    bank = bank.clone()
    for x, y in zip(feats.detach(), index):
        bank[y] = alpha * bank[y] + (1 - alpha) * x
        bank[y] /= bank[y].norm()
    return loss.detach(), grads, bank


@pytest.mark.parametrize('epoch', [0, 3])
def test_one_step_matches_the_authors_trainer(epoch):
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(epoch)
    img = torch.randn(BATCH, 3, 64, 32, generator=gen)
    index = torch.randperm(NUM, generator=gen)[:BATCH]
    model = build(seed=1)
    if epoch > 0:  # a trained-looking bank: 6 identities of 10 similar rows
        centers = torch.randn(6, model.feat_dim, generator=gen)
        model.memory.bank.copy_(F.normalize(centers.repeat_interleave(10, 0) + 0.5 * torch.randn(
            NUM, model.feat_dim, generator=gen), dim=1))
    bank = model.memory.bank.clone()
    model.train()
    MessageHub.get_current_instance().update_info('epoch', epoch)

    state = {k: v.clone() for k, v in model.state_dict().items()}
    ref_loss, ref_grads, ref_bank = reference_step(model, img, index, epoch, bank)
    model.load_state_dict(state)  # BN running stats back to where they were

    model.zero_grad()
    losses = model.loss(img, index)
    losses['loss_mmcl'].backward()
    model.commit_memory(epoch)

    torch.testing.assert_close(losses['loss_mmcl'], ref_loss, rtol=1e-5, atol=1e-6)
    for name, param in model.named_parameters():
        if name in ref_grads:
            torch.testing.assert_close(param.grad, ref_grads[name], rtol=1e-4, atol=1e-6,
                                       msg=name)
    assert len(ref_grads) > 10
    torch.testing.assert_close(model.memory.bank, ref_bank, rtol=1e-5, atol=1e-6)
    if epoch > 0:
        assert losses['num_positives'] > 1  # MPLP found neighbours, not just the sample
