# TinySAM as in the paper, with the teacher's image embeddings pre-computed:
#   python tools/extract_teacher_features.py configs/tinysam/<this file> --passes 8
#   python tools/train.py configs/tinysam/<this file>
# Only the teacher's image encoder is cached; its (cheap) mask decoder still runs,
# from the cached embeddings, on the prompts the student drew in each step. Flips are keyed, so 8 passes store both variants
# of nearly every image; an uncached variant runs the live teacher encoder.
_base_ = ['./tinysam_full_sam-vit-t128_timm-vit-tiny_adam-8e_shapes-coco.py']
model = dict(teacher_cache=dict(cache_dir='work_dirs/teacher_cache/tinysam_sam-vit-t128_shapes-coco',
                                on_miss='teacher'))
