# The TinySAM pair on the full-coverage street segments (every component of every
# class is an instance), Adam 8 epochs; the teacher is
# configs/sam/sam-vit-t128_adam-24e_street-segments.py.
_base_ = [
    '../datasets/street_segments_sam_prompts.py',
    '../schedules/adam_8e.py',
    '../default_runtime.py',
    './tinysam_sam-vit-t128_timm-vit-tiny.py',
]
# validation reports the teacher's prompt mIoU once, beside the student's
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
teacher_ckpt = 'work_dirs/sam-vit-t128_adam-24e_street-segments/epoch_24.pth'
# at most 8 masks per image and step, as the street-segments teacher (~27 segments an image)
model = dict(teacher=dict(ckpt=teacher_ckpt), student=dict(prompts=dict(max_instances=8)))
