# Ablation row 2: + full-stage distillation (image embedding, decoder tokens,
# mask outputs; l1), every mask weighted 1, random point prompts.
_base_ = ['../_base_/distill/sam-vit-t128_timm-vit-tiny_shapes-coco.py']
