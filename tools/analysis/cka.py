"""Linear CKA between every teacher stage and every student stage of a distillation pair.

``python tools/analysis/cka.py configs/ofa_kd/ofa-kd_branches_swin-w48_resnet18-w32_adamw-10e_shapes-cls.py
--teacher-ckpt work_dirs/swin-w48_adamw-100e_shapes-cls/epoch_100.pth
--student-ckpt work_dirs/resnet18-w32_adamw-10e_shapes-cls/epoch_10.pth --out cka.png``

The config is any classification pair config: it names the student and
teacher models and their stages (``student_taps`` / ``teacher_taps``). The
stage features of ``--num-batches`` batches of the validation set are
compared with linear CKA (standard HSIC estimator, see ``mmkd/analysis/cka.py``),
printed as a table and saved as a heatmap. Checkpoints may be plain model
checkpoints, student-only exports or full distillation checkpoints (the
``student.`` / ``teachers.teacher.`` weights are picked out). Without a
student checkpoint, or with ``--teacher-ckpt none``, a model keeps its random
initialisation (a warning says so): the baseline CKA of untrained networks.
"""
import argparse
import os.path as osp
import sys
import warnings

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # run from a checkout

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.analysis import cka_matrix, collect_stage_features  # noqa: E402
from mmkd.datasets import set_data_root  # noqa: E402
from mmkd.models.builder import build_model  # noqa: E402
from mmkd.utils.checkpoint import load_state_dict_file  # noqa: E402

# where each role's weights sit inside a full distillation checkpoint
DISTILL_PREFIX = {'student': 'student.', 'teacher': 'teachers.teacher.'}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='a distillation pair config with student_taps / teacher_taps')
    parser.add_argument('--teacher-ckpt', help="teacher weights (default: the config's model.teacher.ckpt; "
                        "'none': random initialisation)")
    parser.add_argument('--student-ckpt', help='student weights (default: random initialisation)')
    parser.add_argument('--num-batches', type=int, default=4, help='validation batches to use (default 4)')
    parser.add_argument('--data-root', help='read the validation images from another copy of the data set')
    parser.add_argument('--out', default='cka.png', help='heatmap PNG to write (default cka.png)')
    return parser.parse_args(argv)


def load_weights(model: torch.nn.Module, path: str, role: str) -> None:
    state = load_state_dict_file(path, what=f'{role} checkpoint')
    prefix = DISTILL_PREFIX[role]
    if any(k.startswith(prefix) for k in state):
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise KeyError(f'{role} checkpoint {path!r} does not match the {role} of the config: missing '
                       f'{result.missing_keys[:5]}, unexpected {result.unexpected_keys[:5]}')


def build(cfg: Config, role: str, ckpt) -> torch.nn.Module:
    spec = dict(cfg.model[role])
    spec.pop('ckpt', None)
    model = build_model(spec, role)
    model.init_weights()
    if ckpt:
        load_weights(model, ckpt, role)
    else:
        warnings.warn(f'no {role} checkpoint: its features are those of a random initialisation')
    return model


def format_table(matrix: torch.Tensor, rows, cols) -> str:
    width = max(len(c) for c in cols + ['teacher \\ student']) + 2
    lines = ['teacher \\ student'.ljust(width) + ''.join(c.rjust(width) for c in cols)]
    for name, values in zip(rows, matrix.tolist()):
        lines.append(name.ljust(width) + ''.join(f'{v:.3f}'.rjust(width) for v in values))
    return '\n'.join(lines)


def save_heatmap(matrix: torch.Tensor, rows, cols, title: str, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(1.3 * len(cols) + 2.5, 1.1 * len(rows) + 1.8))
    image = ax.imshow(matrix.numpy(), vmin=0, vmax=1, cmap='magma')
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha='right')
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel('student stage')
    ax.set_ylabel('teacher stage')
    for i, values in enumerate(matrix.tolist()):
        for j, v in enumerate(values):
            ax.text(j, i, f'{v:.2f}', ha='center', va='center', color='white' if v < 0.6 else 'black')
    ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=ax, label='linear CKA')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> torch.Tensor:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    for key in ('student_taps', 'teacher_taps'):
        if key not in cfg:
            raise KeyError(f'{args.config} has no {key}: use a classification pair config '
                           '(configs/_base_/distill/*_shapes-cls.py or a method config inheriting one)')
    if args.data_root:
        set_data_root(cfg, args.data_root)
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    teacher_ckpt = args.teacher_ckpt or cfg.model.teacher.get('ckpt')
    teacher = build(cfg, 'teacher', None if teacher_ckpt == 'none' else teacher_ckpt)
    student = build(cfg, 'student', args.student_ckpt)

    loader = Runner.build_dataloader(cfg.val_dataloader)
    batches = [batch for _, batch in zip(range(args.num_batches), loader)]
    feats_t = collect_stage_features(teacher, [t.source for t in cfg.teacher_taps], batches, 'teacher')
    feats_s = collect_stage_features(student, [s.source for s in cfg.student_taps], batches, 'student')
    matrix = cka_matrix(feats_t, feats_s)

    rows = [f'T{i} {t.source.split(".", 1)[1]}' for i, t in enumerate(cfg.teacher_taps, 1)]
    cols = [f'S{i} {s.source.split(".", 1)[1]}' for i, s in enumerate(cfg.student_taps, 1)]
    teacher_name = cfg.model.teacher.get('cfg_path', 'teacher').split('/')[-1]
    student_name = cfg.model.student.get('cfg_path', 'student').split('/')[-1]
    title = f'linear CKA on {feats_t[0].shape[0]} val images\nteacher {teacher_name} / student {student_name}'
    print(title)
    print(format_table(matrix, rows, cols))
    save_heatmap(matrix, rows, cols, title, args.out)
    print(f'heatmap written to {args.out}')
    return matrix


if __name__ == '__main__':
    main()
