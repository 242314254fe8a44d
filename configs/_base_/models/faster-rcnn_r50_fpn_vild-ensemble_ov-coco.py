# OADP's OV-COCO student: mmdet's Faster R-CNN R50-FPN with the CLIP-text box
# head (65 classes, 17 novel masked in training, class-agnostic regression) and
# a ViLD-ensemble RoI head whose object head embeds into CLIP ViT-B/32's 512-d
# space. Text embeddings: the prompt-ensembled embeddings of the 65 class names
# from the same CLIP as the OAKE cache (configs/oadp/README.md).
# (OADP's Shared4Conv1FC head with SyncBN and a caffe-style backbone are not
# reproduced: mmdet's Shared2FC head and pytorch-style ResNet-50 are used.)
_base_ = ['mmdet::_base_/models/faster-rcnn_r50_fpn.py']
custom_imports = dict(imports=['mmkd.models.oadp.text_bbox_head', 'mmkd.models.oadp.ensemble_roi_head'],
                      allow_failed_imports=False)
text_embeddings = 'work_dirs/clip/ViT-B-32_ov-coco.text.pth'
novel_classes = [4, 5, 11, 12, 15, 16, 21, 23, 27, 29, 32, 34, 45, 47, 54, 58, 63]
model = dict(
    _scope_='mmdet',
    roi_head=dict(
        type='mmkd.ViLDEnsembleRoIHead', ensemble_weight=2 / 3, object_temperature=0.01,
        object_head=dict(type='mmkd.CLIPEmbeddingHead', in_channels=256, roi_feat_size=7, num_fcs=2,
                         fc_out_channels=1024, embed_dim=512, with_logit_bias=False),
        bbox_head=dict(type='mmkd.CLIPTextShared2FCBBoxHead', num_classes=65, text_embeddings=text_embeddings,
                       novel_classes=novel_classes, reg_class_agnostic=True)),
    test_cfg=dict(rcnn=dict(score_thr=0.0, max_per_img=300)))  # OADP evaluates every box
