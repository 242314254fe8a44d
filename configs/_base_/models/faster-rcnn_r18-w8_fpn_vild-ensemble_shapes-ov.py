# The OADP student: the CLIP-text Faster R-CNN plus an object head (RoI features
# -> CLIP embedding space, trained by object distillation) whose scores the RoI
# head ensembles with the detection head's at inference (ViLD, lambda 2/3;
# mmkd.ViLDEnsembleRoIHead). embed_dim is the small CLIP's (128).
_base_ = ['./faster-rcnn_r18-w8_fpn_clip-text_shapes-ov.py']
custom_imports = dict(imports=['mmkd.models.oadp.text_bbox_head', 'mmkd.models.oadp.ensemble_roi_head'],
                      allow_failed_imports=False)
embed_dim = 128
model = dict(
    roi_head=dict(
        type='mmkd.ViLDEnsembleRoIHead', ensemble_weight=2 / 3, object_temperature=0.01,
        object_head=dict(type='mmkd.CLIPEmbeddingHead', in_channels=64, roi_feat_size=7, num_fcs=2,
                         fc_out_channels=256, embed_dim=embed_dim, with_logit_bias=False)))
