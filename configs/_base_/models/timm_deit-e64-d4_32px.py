# A small DeiT/ViT (timm `deit_tiny_patch16_224` resized: patch 4, embed 64, depth 4,
# 2 heads, 0.2 M parameters) for 32 px: the transformer student. Every block outputs
# (B, 1 + 8*8, 64): a class token and an 8x8 patch grid.
model = dict(type='mmkd.TimmClassifier', model_name='deit_tiny_patch16_224', num_classes=16,
             label_smoothing=0.1, img_size=32, patch_size=4, embed_dim=64, depth=4, num_heads=2)
