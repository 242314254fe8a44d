# ACAM-KD on the five FPN outputs of the two-stage pair (Faster R-CNN R50-w16 ->
# R18-w8): the RetinaNet config's distiller with the models swapped; FPN widths
# are the same (64).
_base_ = ['./acam-kd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py']
model = dict(
    student=dict(cfg_path='{{fileDirname}}/../_base_/models/faster-rcnn_r18-w8_fpn_shapes.py'),
    teacher=dict(cfg_path='{{fileDirname}}/../_base_/models/faster-rcnn_r50-w16_fpn_shapes.py',
                 ckpt='work_dirs/faster-rcnn-r50-w16_adamw-12e_shapes-coco/epoch_12.pth'))
