"""Export the student of a distillation checkpoint as a self-contained plain mmdet/mmseg folder.

``python tools/export_student.py work_dirs/x/epoch_12.pth out/student.pth``
writes ``out/student.pth`` (no teacher weights, no connectors) and
``out/student_config.py``, the student's own config derived from the
distillation config stored in the checkpoint (or given with ``--config``).
The folder loads with ``mmdet.apis.init_detector`` / ``mmseg.apis.init_model``,
``DetInferencer`` / ``MMSegInferencer`` and the libraries' test scripts,
without mmkd.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmkd  # noqa: E402,F401
from mmkd.engine import student_checkpoint  # noqa: E402
from mmkd.engine.student_checkpoint_hook import STUDENT_CONFIG  # noqa: E402
from mmkd.models.student_config import student_config  # noqa: E402
from mmkd.utils.checkpoint import atomic_save, atomic_write_bytes, read_checkpoint  # noqa: E402


def export_student(src: str, dst: str, weights_only: bool = True, config: str = None) -> dict:
    """Write the student checkpoint ``dst`` and, when the distillation config is known
    (``config`` or the one stored in the checkpoint), ``student_config.py`` beside it."""
    from mmengine.config import Config
    checkpoint = read_checkpoint(src, 'checkpoint', weights_only)  # names a missing, damaged or text file
    if isinstance(checkpoint, dict) and 'state_dict' not in checkpoint:
        checkpoint = {'state_dict': checkpoint}  # a bare state dict
    try:
        payload = student_checkpoint(checkpoint)
    except KeyError as err:
        raise KeyError(f'{src!r}: {err.args[0]}') from None
    atomic_save(payload, dst)
    stored = checkpoint.get('meta', {}).get('cfg')
    cfg = Config.fromfile(config) if config else Config.fromstring(stored, '.py') if stored else None
    if cfg is None:
        print(f'{src} stores no config: give the distillation config with --config to write {STUDENT_CONFIG}')
    else:
        path = osp.join(osp.dirname(osp.abspath(dst)), STUDENT_CONFIG)
        atomic_write_bytes(student_config(cfg).pretty_text.encode(), path)
        print(f'wrote {path}')
    return payload


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('src', help='full distillation checkpoint')
    parser.add_argument('dst', help='student-only checkpoint to write')
    parser.add_argument('--no-weights-only', action='store_true',
                        help='load a trusted legacy checkpoint with full unpickling')
    parser.add_argument('--config', help='the distillation config (default: the one stored in the checkpoint)')
    args = parser.parse_args(argv)
    payload = export_student(args.src, args.dst, weights_only=not args.no_weights_only, config=args.config)
    print(f'wrote {args.dst}: {len(payload["state_dict"])} student tensors')


if __name__ == '__main__':
    main()
