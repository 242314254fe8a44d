"""Float vs int8 TinySAM student: prompt mIoU on the val set and CPU latency of the image encoder.

    python tools/analysis/tinysam_int8.py CONFIG CHECKPOINT [--modes static dynamic] [--calib-images 8]

CONFIG is the config the model was trained with (``configs/tinysam/...``) or
a model config (``configs/_base_/models/tinysam_timm-vit-tiny128.py``);
CHECKPOINT the run's ``student_epoch_N.pth`` or its full checkpoint (the
``student.`` / ``sam.`` keys are found; ``--role teacher`` takes the
teacher). The issue's targets: int8 >= 1.5x faster on CPU with <= 1 mIoU drop.

What is measured, and why this way:

* Quantization is :func:`mmkd.models.sam.quantize_sam_image_encoder`:
  ``static`` (W8A8) calibrates on the first ``--calib-images`` training
  images, passed through the *test* pipeline so calibration is deterministic
  (TinySAM calibrates on 8 images); ``dynamic`` needs none.
* mIoU takes validation's own path: ``image_encoder`` -> ``predict_instance_masks``
  (centre point and tight box per instance) -> ``mmkd.PromptMIoU`` through
  mmengine's ``Evaluator``, so the float numbers equal the run's
  ``prompt/*_mIoU``. Everything runs on CPU: int8 kernels exist only there.
* Latency: the image encoder forward (the quantized part) and the whole
  prompt path (encoder + one point and one box per instance through the
  float decoder) on ``--timing-batch`` val images, at ``--threads`` threads.
  The variants are timed interleaved and the speed-up is the median of the
  per-repeat ratios (``benchmarks/common.py``), so load from other processes
  hits both sides alike.
"""
import argparse
import copy
import json
import os.path as osp
import sys
import warnings
from types import SimpleNamespace

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.evaluator import Evaluator  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import mmkd  # noqa: E402,F401
from benchmarks.common import interleaved_times, markdown_table, median, ratios, spread  # noqa: E402
from mmkd.apis.sam_inference import load_sam_model  # noqa: E402
from mmkd.models.sam import (PROMPT_TYPES, check_prompt_types, check_sam_inputs, predict_instance_masks,  # noqa: E402
                             sam_data_preprocessor)
from mmkd.models.sam import quantize_sam_image_encoder  # noqa: E402
from mmkd.models.sam.quantization import QUANT_MODES  # noqa: E402
from mmkd.registry import METRICS, MODELS  # noqa: E402

DEFAULT_DATA_CONFIG = osp.join(ROOT, 'configs', '_base_', 'datasets', 'shapes_coco_sam_prompts.py')
TARGET_SPEEDUP = 1.5
TARGET_MIOU_DROP = 1.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='training config or model config of the SAM model')
    parser.add_argument('checkpoint', help='student_*.pth, or a full checkpoint with student./sam. keys')
    parser.add_argument('--role', choices=('student', 'teacher'), default='student')
    parser.add_argument('--prefix', help='key prefix of the model in the checkpoint (default: found from the keys)')
    parser.add_argument('--trusted-checkpoint', action='store_true',
                        help='load the checkpoint with weights_only=False (only for files you trust)')
    parser.add_argument('--data-config', help='config whose train/val dataloaders to use (default: those of '
                        'CONFIG, else configs/_base_/datasets/shapes_coco_sam_prompts.py)')
    parser.add_argument('--data-root', help='override the datasets\' data_root')
    parser.add_argument('--modes', nargs='+', choices=QUANT_MODES, default=['static'])
    parser.add_argument('--calib-images', type=int, default=8, help='training images for static calibration')
    parser.add_argument('--val-images', type=int, help='evaluate on the first N val images only (default: all)')
    parser.add_argument('--batch-size', type=int, default=8, help='batch size of calibration and evaluation')
    parser.add_argument('--prompt-types', nargs='+', default=list(PROMPT_TYPES))
    parser.add_argument('--threads', type=int, default=1, help='torch.set_num_threads for the whole run')
    parser.add_argument('--timing-batch', type=int, default=1, help='images per timed forward')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--steps', type=int, default=5, help='timed forwards per repeat')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--json', help='also write the results to this JSON file')
    args = parser.parse_args(argv)
    for name in ('calib_images', 'batch_size', 'threads', 'timing_batch', 'steps', 'repeats'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    if args.val_images is not None and args.val_images < 1:
        parser.error('--val-images must be >= 1')
    return args


def dataloader_cfgs(cfg: Config, data_config, data_root, batch_size: int) -> dict:
    """``{'calib': ..., 'val': ...}`` dataloader configs, in order, single process.

    The calibration loader reads the training split through the val pipeline:
    no random flips, so the same images calibrate every run.
    """
    if data_config is None and not ('train_dataloader' in cfg and 'val_dataloader' in cfg):
        data_config = DEFAULT_DATA_CONFIG
    source = Config.fromfile(data_config) if data_config else cfg
    where = data_config or 'the config'
    loaders = {}
    for name, split in (('calib', 'train'), ('val', 'val')):
        if f'{split}_dataloader' not in source:
            raise KeyError(f'{where} has no {split}_dataloader')
        loader = copy.deepcopy(source[f'{split}_dataloader'])
        loader.update(batch_size=batch_size, num_workers=0, persistent_workers=False,
                      sampler=dict(type='DefaultSampler', shuffle=False))
        loader.pop('batch_sampler', None)
        if data_root:
            loader['dataset']['data_root'] = data_root
        root = loader['dataset'].get('data_root')
        if root and not osp.isdir(root):
            raise FileNotFoundError(f'data_root {root!r} of the {split} split not found; make the embedded set '
                                    'with `python tools/data/generate_embedded.py --det-only` or pass --data-root')
        loaders[name] = loader
    loaders['calib']['dataset']['pipeline'] = copy.deepcopy(loaders['val']['dataset']['pipeline'])
    return loaders


def build_preprocessor(cfg: Config, img_size: int):
    """The training config's data preprocessor (the algorithm's, else its student's), else SAM's
    (what the SAM task model defaults to)."""
    model = cfg.get('model', {})
    student = model.get('student')
    spec = model.get('data_preprocessor') or (student.get('data_preprocessor') if isinstance(student, dict) else None)
    return MODELS.build(spec or sam_data_preprocessor(img_size))


def calibration_batches(loader, preprocessor, num_images: int) -> list:
    """The first ``num_images`` preprocessed training images, as batches."""
    batches, seen = [], 0
    for data in loader:
        inputs = preprocessor(data, False)['inputs'][:num_images - seen]
        batches.append(inputs)
        seen += inputs.shape[0]
        if seen >= num_images:
            return batches
    raise ValueError(f'--calib-images {num_images}: the training split has only {seen} images')


@torch.no_grad()
def evaluate(sam, loader, preprocessor, prompt_types, multimask_output: bool, limit=None) -> dict:
    """Prompt mIoU as validation computes it (``predict_instance_masks`` -> ``PromptMIoU``)."""
    evaluator = Evaluator(METRICS.build(dict(type='mmkd.PromptMIoU', prompt_types=prompt_types)))
    seen = 0
    for data in loader:
        data = preprocessor(data, False)
        inputs, samples = data['inputs'], data['data_samples']
        if limit is not None:
            inputs, samples = inputs[:limit - seen], samples[:limit - seen]
        check_sam_inputs(sam, inputs, 'tinysam_int8')
        predict_instance_masks(sam, sam.image_encoder(inputs), samples, prompt_types, multimask_output)
        evaluator.process(samples, data)
        seen += len(samples)
        if limit is not None and seen >= limit:
            break
    return evaluator.evaluate(seen)


def timing_batch(loader, preprocessor, size: int):
    """``size`` preprocessed val images and their data samples, for the latency measurement."""
    inputs, samples = [], []
    for data in loader:
        data = preprocessor(data, False)
        inputs.append(data['inputs'])
        samples.extend(data['data_samples'])
        if len(samples) >= size:
            return torch.cat(inputs)[:size], samples[:size]
    raise ValueError(f'--timing-batch {size}: the val split has only {len(samples)} images')


def measure_latency(models: dict, inputs, samples, prompt_types, multimask_output: bool, args) -> dict:
    """Per-repeat seconds of the encoder forward and of the whole prompt path, for each model."""
    variants = {}
    for name, sam in models.items():
        variants[(name, 'encoder')] = lambda sam=sam: sam.image_encoder(inputs)
        variants[(name, 'prompt path')] = lambda sam=sam: predict_instance_masks(
            sam, sam.image_encoder(inputs), samples, prompt_types, multimask_output)
    timing = SimpleNamespace(warmup=args.warmup, steps=args.steps, repeats=args.repeats, device='cpu')
    with torch.no_grad():
        return interleaved_times(variants, timing)


def summarise(metrics: dict, times: dict, prompt_types) -> list:
    """One result dict per model: mIoU, drop from float, median ms and speed-up over float."""
    rows = []
    for name in metrics:
        row = dict(model=name)
        for kind in prompt_types:
            value = metrics[name][f'prompt/{kind}_mIoU']
            row[f'{kind}_mIoU'] = value
            row[f'{kind}_drop'] = metrics['float'][f'prompt/{kind}_mIoU'] - value
        for part, key in (('encoder', 'encoder'), ('prompt path', 'prompt_path')):
            per_repeat = ratios(times[('float', part)], times[(name, part)])
            row[f'{key}_ms'] = median(times[(name, part)]) * 1000
            row[f'{key}_speedup'] = median(per_repeat)
            row[f'{key}_speedup_spread'] = spread(per_repeat)
        rows.append(row)
    return rows


def print_table(rows: list, prompt_types) -> None:
    header = ['model'] + [f'{k} mIoU' for k in prompt_types] + [f'{k} drop' for k in prompt_types] + [
        'encoder ms', 'encoder speed-up (median)', 'speed-up min-max', 'prompt path ms', 'prompt path speed-up']
    print(markdown_table(header, [
        [r['model']] + [r[f'{k}_mIoU'] for k in prompt_types] + [r[f'{k}_drop'] for k in prompt_types]
        + [r['encoder_ms'], r['encoder_speedup'], r['encoder_speedup_spread'], r['prompt_path_ms'],
           r['prompt_path_speedup']] for r in rows]))
    for r in rows[1:]:
        fast = r['encoder_speedup'] >= TARGET_SPEEDUP
        close = all(r[f'{k}_drop'] <= TARGET_MIOU_DROP for k in prompt_types)
        print(f'{r["model"]}: encoder speed-up {r["encoder_speedup"]:.2f}x (target >= {TARGET_SPEEDUP}x: '
              f'{"met" if fast else "missed"}), largest mIoU drop '
              f'{max(r[f"{k}_drop"] for k in prompt_types):.2f} (target <= {TARGET_MIOU_DROP}: '
              f'{"met" if close else "missed"})')


def main(argv=None):
    args = parse_args(argv)
    prompt_types = check_prompt_types(args.prompt_types, '--prompt-types')
    # torch deprecates torch.ao.quantization in favour of torchao (not installed here); the API still works
    warnings.filterwarnings('ignore', message='torch.ao.quantization is deprecated')
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    init_default_scope('mmkd')
    cfg = Config.fromfile(args.config)
    sam = load_sam_model(cfg, args.checkpoint, role=args.role, prefix=args.prefix,
                         weights_only=not args.trusted_checkpoint).cpu()
    student = cfg.model.get('student')
    multimask = bool(cfg.model.get('multimask_output', student.get('multimask_output', False)
                                   if isinstance(student, dict) else False))
    preprocessor = build_preprocessor(cfg, sam.image_encoder.img_size)
    loader_cfgs = dataloader_cfgs(cfg, args.data_config, args.data_root, args.batch_size)
    calib_loader = Runner.build_dataloader(loader_cfgs['calib'], seed=0)
    val_loader = Runner.build_dataloader(loader_cfgs['val'], seed=0)

    models = dict(float=sam)
    calibration = calibration_batches(calib_loader, preprocessor, args.calib_images) \
        if 'static' in args.modes else None
    for mode in args.modes:
        models[f'int8 {mode}'] = quantize_sam_image_encoder(sam, mode, calibration=calibration)
    metrics = {name: evaluate(model, val_loader, preprocessor, prompt_types, multimask, args.val_images)
               for name, model in models.items()}
    inputs, samples = timing_batch(val_loader, preprocessor, args.timing_batch)
    times = measure_latency(models, inputs, samples, prompt_types, multimask, args)
    rows = summarise(metrics, times, prompt_types)

    print(f'CPU, {torch.get_num_threads()} thread(s), quantized engine {torch.backends.quantized.engine}, '
          f'torch {torch.__version__}; {args.calib_images} calibration image(s), '
          f'{args.val_images or "all"} val image(s), timing batch {args.timing_batch}, '
          f'{args.steps} step(s) x {args.repeats} repeat(s)')
    print_table(rows, prompt_types)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint, threads=args.threads, rows=rows), f,
                      indent=2)
    return rows


if __name__ == '__main__':
    main()
