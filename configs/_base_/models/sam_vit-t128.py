# Small SAM teacher for the 128 px embedded sets: segment_anything's ViT image
# encoder (patch 8 -> 16x16 tokens, width 256, depth 6, windowed attention with
# two global blocks) with SAM's prompt encoder and mask decoder unchanged, so
# the embedding is SAM's 256 channels at 16x16 (1024 px SAM: 64x64).
# Trained by configs/sam/ (no SAM weights can be downloaded here).
model = dict(
    type='mmkd.build_sam',
    img_size=128,
    patch_size=8,
    encoder_embed_dim=256,
    encoder_depth=6,
    encoder_num_heads=8,
    encoder_global_attn_indexes=(2, 5),
    encoder_window_size=8,
    decoder_mlp_dim=2048)
