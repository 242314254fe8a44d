# The small SAM teacher trained on the full-coverage street segments (every
# component of every class is an instance), so it learns stuff segments (road,
# sky, building) as well as objects: the data on which segment-everything can
# skip dense points (benchmarks/sam_everything.py). Same model and schedule as
# the shapes teacher, with at most 8 masks per image and step (an image has ~27
# segments here against a few shapes; 16 made a step 3x the shapes teacher's on
# CPU). Every segment is still drawn over the epochs.
#   python tools/data/generate_embedded.py --out data/ --segments-only
#   python tools/train.py configs/sam/sam-vit-t128_adam-24e_street-segments.py
_base_ = [
    '../_base_/datasets/street_segments_sam_prompts.py',
    '../_base_/schedules/adam_24e.py',
    '../_base_/default_runtime.py',
    '../_base_/models/sam-prompt-trainer_vit-t128.py',
]
model = dict(prompts=dict(max_instances=8))
