"""CLIP text embeddings of category names, the classifier weights of open-vocabulary detectors.

Each category is written into several prompt templates; the L2-normalised
text embeddings of its prompts are averaged and normalised again (CLIP's
prompt ensembling), which is open_clip's ``build_zero_shot_classifier``.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import torch
from open_clip import build_zero_shot_classifier
from torch import Tensor, nn

# A few of CLIP's ImageNet templates (Radford et al. 2021); ``{name}`` is the category.
DEFAULT_PROMPT_TEMPLATES = (
    'a photo of a {name}.',
    'a photo of the {name}.',
    'a photo of a small {name}.',
    'a photo of a large {name}.',
    'a close-up photo of a {name}.',
    'a drawing of a {name}.',
)


def _template_fn(template: str) -> Callable[[str], str]:
    if '{name}' not in template:
        raise ValueError(f'prompt template {template!r} has no {{name}} placeholder for the category')
    return lambda name: template.format(name=name)


@torch.no_grad()
def category_text_embeddings(model: nn.Module, names: Sequence[str],
                             templates: Sequence[str] = DEFAULT_PROMPT_TEMPLATES,
                             tokenizer: Optional[Callable] = None,
                             classes_per_batch: Optional[int] = 16) -> Tensor:
    """``(len(names), embed_dim)`` L2-normalised prompt-ensembled text embeddings, float32.

    ``tokenizer`` defaults to CLIP's BPE tokenizer at the model's context
    length (:func:`~mmkd.models.clip.build_clip_tokenizer`); category names
    may use spaces or underscores (``'traffic_light'`` reads as ``'traffic light'``).
    """
    from .build import build_clip_tokenizer
    if not names:
        raise ValueError('category_text_embeddings: names is empty')
    if not templates:
        raise ValueError('category_text_embeddings: templates is empty')
    tokenizer = tokenizer or build_clip_tokenizer(model)
    fns = [_template_fn(t) for t in templates]
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        weights = build_zero_shot_classifier(model, tokenizer, [n.replace('_', ' ') for n in names], fns,
                                             num_classes_per_batch=classes_per_batch, device=device)
    finally:
        model.train(was_training)
    return weights.T.float().contiguous()
