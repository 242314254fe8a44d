# TinySAM-style student for 128 px input: timm's ViT-Tiny layout (width 192,
# 3 heads) at patch 8 and depth 4 as the image encoder, mapped to SAM's
# 256x16x16 embedding by the SAM neck of mmkd.TimmSamImageEncoder; prompt
# encoder and mask decoder as the teacher's (configs/_base_/models/sam_vit-t128.py).
# The paper's TinyViT-5M is the same wrapper with model_name='tiny_vit_5m_224'.
model = dict(
    type='mmkd.build_sam',
    image_encoder=dict(
        type='mmkd.TimmSamImageEncoder',
        model_name='vit_tiny_patch16_224',
        img_size=128,
        embedding_size=16,
        out_chans=256,
        timm_kwargs=dict(img_size=128, patch_size=8, depth=4)),
    decoder_mlp_dim=2048)
