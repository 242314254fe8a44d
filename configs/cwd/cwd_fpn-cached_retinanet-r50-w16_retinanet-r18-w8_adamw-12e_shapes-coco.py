# The CWD-on-FPN run with the teacher's FPN features read from a cache instead
# of running the teacher. Extract the cache once (same config, same folder):
#   python tools/extract_teacher_features.py configs/cwd/<this file> --passes 8
#   python tools/train.py configs/cwd/<this file>
# The pipeline flips half of the images at random; each pass stores one draw
# per image, so 8 passes hold both variants of nearly every image. A batch
# with an uncached variant runs the live teacher (on_miss='teacher', logged
# once); on_miss='error' would stop instead. teacher_partial_forward makes the
# extraction stop each teacher forward after the neck.
_base_ = ['./cwd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py']
model = dict(
    teacher_cache=dict(cache_dir='work_dirs/teacher_cache/cwd_fpn_retinanet_r50-w16_shapes', on_miss='teacher'),
    teacher_partial_forward=True)
