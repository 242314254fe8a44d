# + full-stage distillation on the full-coverage street segments (image embedding,
# decoder tokens, mask outputs; l1), every mask weighted 1, random point prompts:
# the reference of the hard-prompt-sampling row on this set.
_base_ = ['../_base_/distill/sam-vit-t128_timm-vit-tiny_street-segments.py']
