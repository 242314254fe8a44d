# A small Swin transformer (timm `swin_tiny_patch4_window7_224` resized: embed 48,
# depths 2/2/2/2, heads 2/4/8/16, window 4, patch 4, 5.1 M parameters) for 32 px:
# the transformer teacher. Stage outputs are (B, H, W, C): 8x8x48, 4x4x96, 2x2x192, 1x1x384.
model = dict(type='mmkd.TimmClassifier', model_name='swin_tiny_patch4_window7_224', num_classes=16,
             label_smoothing=0.1, img_size=32, window_size=4, embed_dim=48, depths=(2, 2, 2, 2),
             num_heads=(2, 4, 8, 16))
