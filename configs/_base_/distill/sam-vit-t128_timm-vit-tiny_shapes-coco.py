# The TinySAM pair on the embedded shapes set (objects on about a tenth of each
# image), Adam 8 epochs; the teacher is configs/sam/sam-vit-t128_adam-24e_shapes-coco.py.
_base_ = [
    '../datasets/shapes_coco_sam_prompts.py',
    '../schedules/adam_8e.py',
    '../default_runtime.py',
    './tinysam_sam-vit-t128_timm-vit-tiny.py',
]
# validation reports the teacher's prompt mIoU once, beside the student's
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
