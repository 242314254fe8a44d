"""Fully configurable MLP-Mixer and ResMLP entries in timm's model registry.

timm's named MLP entry points (``mixer_s16_224``, ``resmlp_12_224``...) fix
``patch_size``, ``num_blocks`` and ``embed_dim``, so passing them as
overrides fails ("got multiple values for keyword argument"), while ViT,
Swin and ResNet entries accept such overrides. These two entries build the
same timm classes (``MlpMixer`` with its own blocks, or with ``ResBlock`` and
``Affine`` for ResMLP) with the defaults of ``mixer_s16_224`` /
``resmlp_12_224`` and every size overridable, e.g.
``timm.create_model('mmkd_resmlp', img_size=32, patch_size=4, num_blocks=4, embed_dim=96)``.
They are registered in timm (not patched into it) and loaded through timm's
own builder, so feature extraction and checkpoint filtering work as for the
named models. No pretrained weights exist for them.
"""
from timm.data import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from timm.models import build_model_with_cfg, generate_default_cfgs, register_model
from timm.models.mlp_mixer import Affine, MlpMixer, ResBlock, checkpoint_filter_fn

# timm reads ``default_cfgs`` of the module that registers a model: where the
# stem and head are (used when loading a ``pretrained_file`` with another
# number of classes) and the input it expects.
_DEFAULT_CFG = dict(url='', num_classes=1000, input_size=(3, 224, 224), pool_size=None, crop_pct=0.875,
                    interpolation='bicubic', mean=IMAGENET_DEFAULT_MEAN, std=IMAGENET_DEFAULT_STD,
                    first_conv='stem.proj', classifier='head')
default_cfgs = generate_default_cfgs({'mmkd_mixer': dict(_DEFAULT_CFG), 'mmkd_resmlp': dict(_DEFAULT_CFG)})


def _build(variant: str, pretrained: bool, defaults: dict, kwargs: dict) -> MlpMixer:
    out_indices = kwargs.pop('out_indices', 3)
    return build_model_with_cfg(MlpMixer, variant, pretrained, pretrained_filter_fn=checkpoint_filter_fn,
                                feature_cfg=dict(out_indices=out_indices, feature_cls='getter'),
                                **{**defaults, **kwargs})


@register_model
def mmkd_mixer(pretrained: bool = False, **kwargs) -> MlpMixer:
    """MLP-Mixer (Tolstikhin et al. 2021); defaults of Mixer-S/16."""
    return _build('mmkd_mixer', pretrained, dict(patch_size=16, num_blocks=8, embed_dim=512), kwargs)


@register_model
def mmkd_resmlp(pretrained: bool = False, **kwargs) -> MlpMixer:
    """ResMLP (Touvron et al. 2021); defaults of ResMLP-12."""
    return _build('mmkd_resmlp', pretrained, dict(patch_size=16, num_blocks=12, embed_dim=384, mlp_ratio=4,
                                                  block_layer=ResBlock, norm_layer=Affine), kwargs)
