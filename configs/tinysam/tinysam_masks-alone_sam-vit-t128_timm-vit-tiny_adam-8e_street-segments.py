# The student trained on the full-coverage street segments alone (no teacher term):
# the reference for segment-everything on data whose masks tile the image.
_base_ = ['../_base_/distill/sam-vit-t128_timm-vit-tiny_street-segments.py']
model = dict(distiller=dict(losses=dict(_delete_=True)))
