# A small ResMLP (mmkd's configurable timm entry `mmkd_resmlp`: patch 4, embed 96,
# 4 blocks, 0.3 M parameters) for 32 px: the MLP student. Every block outputs
# (B, 8*8, 96) tokens, no class token.
model = dict(type='mmkd.TimmClassifier', model_name='mmkd_resmlp', num_classes=16, label_smoothing=0.1,
             img_size=32, patch_size=4, embed_dim=96, num_blocks=4)
