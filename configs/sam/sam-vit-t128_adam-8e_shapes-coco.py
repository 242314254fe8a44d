# Train the small SAM teacher (configs/_base_/models/sam_vit-t128.py) on the
# embedded shapes instance masks with point and box prompts: what users with
# official SAM weights skip. Evaluated by prompt mIoU (centre point, 3 and 5
# interactive clicks, GT box).
#   python tools/train.py configs/sam/sam-vit-t128_adam-8e_shapes-coco.py
# configs/tinysam/ distils from the 24-epoch run (sam-vit-t128_adam-24e_shapes-coco.py);
# its checkpoint keeps the model under `sam.`.
_base_ = [
    '../_base_/datasets/shapes_coco_sam_prompts.py',
    '../_base_/schedules/adam_8e.py',
    '../_base_/default_runtime.py',
    '../_base_/models/sam-prompt-trainer_vit-t128.py',
]
