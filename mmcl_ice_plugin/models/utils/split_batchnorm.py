"""BatchNorm over N groups of each training batch, as N DataParallel GPUs normalise it.

The ICE authors trained on 4 GPUs with ``nn.DataParallel``: every BatchNorm saw a quarter of
ICE's batch of 32, i.e. 8 images, and the teacher's shuffle-BN shuffled the batch across the
GPUs. One process on one device normalises all 32 images together, which trains a different
model (docs/ice.md). ``model.bn_groups = N`` restores the authors' normalisation on any number
of devices.
"""
import math
from typing import Any, Callable, Dict, List, Optional, Tuple, Type, Union

import torch
import torch.nn.functional as F
from timm.layers import BatchNormAct2d
from timm.models import register_notrace_module
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def check_bn_groups(bn_groups: int) -> None:
    """Raise a ``ValueError`` naming ``model.bn_groups`` unless it is an integer >= 1.

    Args:
        bn_groups (int): The number of BatchNorm groups to check.
    """
    if isinstance(bn_groups, bool) or not isinstance(bn_groups, int) or bn_groups < 1:
        raise ValueError(
            'model.bn_groups must be an integer >= 1: the number of groups each training '
            'batch is normalised in, as that many DataParallel GPUs would (1 = plain '
            f'BatchNorm, 4 = the ICE authors), got {bn_groups!r}.')


def _fold_batch_norm(x: torch.Tensor, groups: int, running_mean: Optional[torch.Tensor],
                     running_var: Optional[torch.Tensor], weight: Optional[torch.Tensor],
                     bias: Optional[torch.Tensor], momentum: float, eps: float
                     ) -> Tuple[torch.Tensor, Optional[torch.Tensor], Optional[torch.Tensor]]:
    """Train-mode BatchNorm of ``groups`` equal consecutive parts of ``x`` ``(B, C, *)``, each
    with its own batch statistics, in one ``F.batch_norm`` call: the batch is folded to
    ``(B / groups, groups * C, *)``, so channel ``g * C + c`` is channel ``c`` of group ``g``.

    Returns the output and the ``(groups, C)`` running mean and variance each group's own
    update would give (``None`` without running statistics).
    """
    size, channels, rest = x.shape[0] // groups, x.shape[1], x.shape[2:]
    folded = x.reshape(groups, size, channels, *rest).transpose(0, 1)
    folded = folded.reshape(size, groups * channels, *rest)
    mean = None if running_mean is None else running_mean.repeat(groups)
    var = None if running_var is None else running_var.repeat(groups)
    out = F.batch_norm(folded, mean, var,
                       None if weight is None else weight.repeat(groups),
                       None if bias is None else bias.repeat(groups),
                       True, momentum, eps)
    out = out.reshape(size, groups, channels, *rest).transpose(0, 1).reshape(x.shape)
    if mean is None:
        return out, None, None
    return out, mean.view(groups, channels), var.view(groups, channels)


class _SplitBatchNorm(_BatchNorm):
    r"""BatchNorm that, in training mode, normalises N groups of the batch separately.

    The batch of B samples is cut into consecutive groups as ``torch.chunk(x, N)`` (and so
    DataParallel's scatter) cuts it: groups of ``ceil(B / N)`` samples, the last one smaller
    when N does not divide B, and fewer than N groups when ``B`` is small (B = 6, N = 4 gives
    3 groups of 2, as DataParallel would use 3 GPUs). Each group g is normalised with its own
    batch statistics over its samples (and positions, for 2d), per channel c:

    .. math::

        \mu_{g,c} = \operatorname{mean}_{i \in g}(x_{i,c}), \quad
        \sigma^2_{g,c} = \operatorname{mean}_{i \in g}(x_{i,c} - \mu_{g,c})^2, \quad
        y_{i,c} = \gamma_c \frac{x_{i,c} - \mu_{g,c}}{\sqrt{\sigma^2_{g,c} + \epsilon}}
                  + \beta_c \quad (i \in g).

    Running statistics: ``r = (1 - m) r + m * mean_g(s_g)`` with ``s_g`` each group's mean
    and **unbiased** variance (as torch's BatchNorm uses), the groups weighted equally, i.e.
    the mean over groups of the running statistics each group alone would give
    (``momentum=None``: the cumulative average, the same way). DataParallel keeps only
    replica 0's update (replica 0 runs on the module's own buffers, the others on copies
    that are thrown away), so its running statistics follow group 0. The groups are
    exchangeable (PxK identities come in random order; shuffle-BN permutes), so both rules
    have the same expectation; the mean over groups is the less noisy estimate of what
    train mode normalises with.
    ``num_batches_tracked`` counts forwards, one per batch.

    In eval mode, and when N = 1, this is the BatchNorm class it is mixed with (plain
    BatchNorm, or timm's ``BatchNormAct2d``). Parameters and buffers keep BatchNorm's names,
    so state dicts and checkpoints are unchanged. In train mode a group with a single value
    per channel (a 1-sample group of a ``(B, C)`` input) raises, as torch's BatchNorm raises
    for a batch of one.

    Args:
        num_features (int): Channels C.
        num_groups (int): Groups N (config key ``model.bn_groups``). Defaults to 1.
        eps (float): As BatchNorm. Defaults to 1e-5.
        momentum (float, optional): As BatchNorm; None for the cumulative average.
            Defaults to 0.1.
        affine (bool): As BatchNorm. Defaults to True.
        track_running_stats (bool): As BatchNorm. Defaults to True.
        device (torch.device, optional): As BatchNorm. Defaults to None.
        dtype (torch.dtype, optional): As BatchNorm. Defaults to None.
        **kwargs: Further arguments of the BatchNorm class mixed in (``BatchNormAct2d``'s).
    """

    def __init__(self, num_features: int, num_groups: int = 1, eps: float = 1e-5,
                 momentum: Optional[float] = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Optional[torch.device] = None,
                 dtype: Optional[torch.dtype] = None, **kwargs: Any) -> None:
        check_bn_groups(num_groups)
        super().__init__(num_features, eps=eps, momentum=momentum, affine=affine,
                         track_running_stats=track_running_stats, device=device, dtype=dtype,
                         **kwargs)
        self.num_groups = num_groups

    def extra_repr(self) -> str:
        return f'{super().extra_repr()}, num_groups={self.num_groups}'

    def _splits(self, x: torch.Tensor) -> bool:
        """Whether ``forward(x)`` normalises in groups (train mode, N > 1, non-empty batch)."""
        return self.training and self.num_groups > 1 and x.shape[0] > 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise ``x`` in groups in train mode, as plain BatchNorm otherwise."""
        return self._grouped_batch_norm(x) if self._splits(x) else super().forward(x)

    def _grouped_batch_norm(self, x: torch.Tensor) -> torch.Tensor:
        """The train-mode normalisation in groups described above (the affine transform
        included, nothing after it); updates the running statistics."""
        self._check_input_dim(x)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        batch = x.shape[0]
        size = -(-batch // self.num_groups)  # torch.chunk's group size
        full, last = divmod(batch, size)
        if (last or size) * math.prod(x.shape[2:]) == 1:
            sizes = [size] * full + ([last] if last else [])
            raise ValueError(
                f'{type(self).__name__}: a training batch of {batch} cut into '
                f'model.bn_groups={self.num_groups} groups (torch.chunk, as DataParallel) '
                f'gives groups of {sizes} samples; a group of one sample has no batch '
                'statistics (torch BatchNorm raises the same for a batch of one). Use a '
                f'batch of at least {2 * self.num_groups} or a smaller model.bn_groups.')
        tracked = self.track_running_stats and self.running_mean is not None
        mean = self.running_mean if tracked else None
        var = self.running_var if tracked else None
        parts: List[Tuple[torch.Tensor, int]] = [(x[:full * size], full)]
        if last:
            parts.append((x[full * size:], 1))
        outs, means, variances = [], [], []
        for part, groups in parts:
            out, group_mean, group_var = _fold_batch_norm(part, groups, mean, var, self.weight,
                                                          self.bias, factor, self.eps)
            outs.append(out)
            means.append(group_mean)
            variances.append(group_var)
        if tracked:
            with torch.no_grad():
                self.running_mean.copy_(torch.cat(means).mean(0))
                self.running_var.copy_(torch.cat(variances).mean(0))
        return torch.cat(outs) if len(outs) > 1 else outs[0]


class SplitBatchNorm1d(_SplitBatchNorm, nn.BatchNorm1d):
    """:class:`nn.BatchNorm1d` over ``num_groups`` groups of each training batch (see
    :class:`_SplitBatchNorm`). Input ``(B, C)`` or ``(B, C, L)``."""


class SplitBatchNorm2d(_SplitBatchNorm, nn.BatchNorm2d):
    """:class:`nn.BatchNorm2d` over ``num_groups`` groups of each training batch (see
    :class:`_SplitBatchNorm`). Input ``(B, C, H, W)``."""


@register_notrace_module  # a leaf for timm's FX feature extraction, as BatchNormAct2d
class SplitBatchNormAct2d(_SplitBatchNorm, BatchNormAct2d):
    """timm's :class:`BatchNormAct2d` over ``num_groups`` groups of each training batch.

    BatchNorm as :class:`_SplitBatchNorm`, then ``self.drop`` and ``self.act`` as
    BatchNormAct2d (EfficientNet, ...). In eval mode and when N = 1, BatchNormAct2d's own
    forward. Input ``(B, C, H, W)``.

    Args:
        num_features (int): Channels C.
        num_groups (int): Groups N (config key ``model.bn_groups``). Defaults to 1.
        eps (float): As BatchNorm. Defaults to 1e-5.
        momentum (float, optional): As BatchNorm. Defaults to 0.1.
        affine (bool): As BatchNorm. Defaults to True.
        track_running_stats (bool): As BatchNorm. Defaults to True.
        apply_act (bool): As BatchNormAct2d. Defaults to True.
        act_layer (str | Callable | type, optional): As BatchNormAct2d. Defaults to
            ``nn.ReLU``.
        act_kwargs (dict, optional): As BatchNormAct2d. Defaults to None.
        inplace (bool): As BatchNormAct2d. Defaults to True.
        drop_layer (type, optional): As BatchNormAct2d. Defaults to None.
        device (torch.device, optional): As BatchNorm. Defaults to None.
        dtype (torch.dtype, optional): As BatchNorm. Defaults to None.
    """

    def __init__(self, num_features: int, num_groups: int = 1, eps: float = 1e-5,
                 momentum: Optional[float] = 0.1, affine: bool = True,
                 track_running_stats: bool = True, apply_act: bool = True,
                 act_layer: Union[str, Callable, Type[nn.Module], None] = nn.ReLU,
                 act_kwargs: Optional[Dict[str, Any]] = None,
                 inplace: bool = True, drop_layer: Optional[Type[nn.Module]] = None,
                 device: Optional[torch.device] = None,
                 dtype: Optional[torch.dtype] = None) -> None:
        super().__init__(num_features, num_groups, eps, momentum, affine, track_running_stats,
                         device, dtype, apply_act=apply_act, act_layer=act_layer,
                         act_kwargs=act_kwargs, inplace=inplace, drop_layer=drop_layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Grouped BatchNorm, then drop and activation, in train mode; BatchNormAct2d's
        forward otherwise."""
        if self._splits(x):
            return self.act(self.drop(self._grouped_batch_norm(x)))
        return BatchNormAct2d.forward(self, x)


# exact types: a subclass may add to the forward, which the split version would drop
SPLIT_TYPES = {nn.BatchNorm1d: SplitBatchNorm1d, nn.BatchNorm2d: SplitBatchNorm2d,
               BatchNormAct2d: SplitBatchNormAct2d}


def convert_split_batchnorm(module: nn.Module, num_groups: int, prefix: str = '') -> nn.Module:
    """Replace every BatchNorm in ``module`` by its split version with ``num_groups`` groups.

    ``nn.BatchNorm1d``, ``nn.BatchNorm2d`` and timm's ``BatchNormAct2d`` become
    :class:`SplitBatchNorm1d`, :class:`SplitBatchNorm2d` and :class:`SplitBatchNormAct2d`.
    A converted layer takes over the original's parameter and buffer tensors (so values,
    ``requires_grad`` flags such as ICE's frozen BN-neck bias, and state-dict keys are
    unchanged) and its ``eps``, ``momentum``, ``affine``, ``track_running_stats`` and train
    mode; a ``BatchNormAct2d`` also its ``drop`` and ``act`` modules themselves (the only
    attributes its ``__init__`` adds; ``apply_act``, ``act_layer``, ``act_kwargs`` and
    ``inplace`` live in ``act``). A split layer already there gets the new ``num_groups``.
    Other BatchNorm subclasses (their own forward, e.g. ``SyncBatchNorm``, timm's
    ``SyncBatchNormAct`` or a subclass of ``BatchNormAct2d``) raise ``TypeError``:
    converting them would drop what they add.

    Args:
        module (nn.Module): The module to convert.
        num_groups (int): Groups N (config key ``model.bn_groups``).
        prefix (str): Name of ``module`` in error messages. Defaults to ``''``.

    Returns:
        nn.Module: A new module when ``module`` itself is a BatchNorm, else ``module`` with
        its children replaced in place.
    """
    if isinstance(module, _SplitBatchNorm):
        check_bn_groups(num_groups)
        module.num_groups = num_groups
        return module
    split_type = SPLIT_TYPES.get(type(module))
    if split_type is not None:
        split = split_type(module.num_features, num_groups, module.eps, module.momentum,
                           module.affine, module.track_running_stats)
        split.weight, split.bias = module.weight, module.bias
        split.running_mean, split.running_var = module.running_mean, module.running_var
        split.num_batches_tracked = module.num_batches_tracked
        if isinstance(split, BatchNormAct2d):
            split.drop, split.act = module.drop, module.act
        split.training = module.training  # not train(): drop and act keep their own modes
        return split
    if isinstance(module, _BatchNorm):
        raise TypeError(
            f'model.bn_groups={num_groups} cannot split {prefix.rstrip(".") or "the module"} '
            f'({type(module).__name__}): only nn.BatchNorm1d, nn.BatchNorm2d and timm\'s '
            'BatchNormAct2d themselves are converted. Use a backbone with those or '
            'model.bn_groups=1.')
    for name, child in module.named_children():
        module.add_module(name, convert_split_batchnorm(child, num_groups, f'{prefix}{name}.'))
    return module
