"""TinySAM (SingleTeacherDistill of two SAM task models + TinySAMDistiller) on mmengine's Runner: wiring,
prompts delivered to the frozen teacher, switches, export and the teacher cache."""
import copy
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmkd.cache import extract_teacher_features
from mmkd.cache.fingerprint import dataset_pipeline
from mmkd.datasets.embedded import generate_detection
from mmkd.engine import DistillLossWeightScheduleHook
from mmkd.models.sam import load_sam_checkpoint
from mmkd.registry import MODELS

from helpers import ROOT  # noqa: E402
TEACHER_CONFIG = osp.join(ROOT, 'configs', 'sam', 'sam-vit-t128_adam-8e_shapes-coco.py')
FULL_CONFIG = osp.join(ROOT, 'configs', 'tinysam', 'tinysam_full_sam-vit-t128_timm-vit-tiny_adam-8e_shapes-coco.py')
CACHED_CONFIG = FULL_CONFIG.replace('tinysam_full_', 'tinysam_full-cached_')
MASKS_ALONE_CONFIG = FULL_CONFIG.replace('tinysam_full_', 'tinysam_masks-alone_')
DISTILL_TERMS = ('distill.loss_embedding', 'distill.loss_token', 'distill.loss_output')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return generate_detection(str(tmp_path_factory.mktemp('shapes_coco')), seed=0, num_train=8, num_val=4)


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    """A checkpoint as configs/sam/ writes it (the teacher under `sam.`), random weights."""
    init_default_scope('mmkd')
    torch.manual_seed(1)
    trainer = MODELS.build(Config.fromfile(TEACHER_CONFIG).model)
    path = str(tmp_path_factory.mktemp('teacher') / 'teacher.pth')
    torch.save(dict(state_dict=trainer.state_dict()), path)
    return path


def build_algorithm(cfg):
    init_default_scope('mmkd')
    return MODELS.build(copy.deepcopy(cfg.model))


def first_batch(cfg, algorithm):
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg['sampler'] = dict(type='DefaultSampler', shuffle=False)
    data = algorithm.data_preprocessor(next(iter(Runner.build_dataloader(loader_cfg, seed=0))), True)
    return data['inputs'], data['data_samples']


def count_calls(module):
    calls = []
    module.register_forward_hook(lambda *_: calls.append(1))
    return calls


def test_full_config_trains_two_iterations(data_root, teacher_ckpt, tmp_path, short_run, run_outputs):
    cfg = short_run(FULL_CONFIG, data_root, tmp_path)
    cfg.model.teacher.ckpt = teacher_ckpt
    runner = Runner.from_cfg(cfg)
    outputs = run_outputs
    runner.register_hook(outputs)
    model = runner.model
    saved = torch.load(teacher_ckpt, weights_only=True)['state_dict']
    assert all(torch.equal(v, saved['sam.' + k]) for k, v in model.teacher.sam.state_dict().items())
    student_before = {k: v.clone() for k, v in model.student.state_dict().items()}
    runner.train()

    assert len(outputs.losses) == 2
    for losses in outputs.losses:
        assert {'loss_focal', 'loss_dice', 'loss_iou', *DISTILL_TERMS} <= set(losses)
        assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    assert all(torch.equal(v, saved['sam.' + k]) for k, v in model.teacher.sam.state_dict().items())
    assert any(not torch.equal(v, student_before[k]) for k, v in model.student.state_dict().items()
               if v.is_floating_point())
    # DistillValLoop: the student's prompt mIoU, and the teacher's beside it
    for key in ('prompt/point_mIoU', 'prompt/box_mIoU', 'teacher/prompt/point_mIoU', 'teacher/prompt/box_mIoU'):
        assert 0 <= outputs.metrics[key] <= 100, key
    # the student-only checkpoint is the student task model: a plain segment_anything Sam under `sam.`
    fresh = build_algorithm(cfg).student.sam
    load_sam_checkpoint(fresh, str(tmp_path / 'student_iter_2.pth'), prefix='sam.')
    assert all(torch.equal(v, model.student.sam.state_dict()[k]) for k, v in fresh.state_dict().items())


def test_gradients_reach_the_student_only(data_root, teacher_ckpt, tmp_path, short_run):
    cfg = short_run(FULL_CONFIG, data_root, tmp_path)
    cfg.model.teacher.ckpt = teacher_ckpt
    torch.manual_seed(0)
    algorithm = build_algorithm(cfg).train()
    assert not algorithm.teacher.training
    inputs, samples = first_batch(cfg, algorithm)
    losses = algorithm(inputs, samples, mode='loss')
    assert set(DISTILL_TERMS) <= set(losses)
    sum(losses.values()).backward()
    assert all(p.grad is None for p in algorithm.teacher.parameters())
    for part in ('image_encoder', 'prompt_encoder', 'mask_decoder'):
        grads = [p.grad for p in getattr(algorithm.student.sam, part).parameters()]
        assert any(g is not None and g.abs().sum() > 0 for g in grads), part
    assert len(algorithm.student.prompt_sampler.last_rounds) == len(samples)  # hard prompt sampling ran per image


def test_masks_alone_switch_never_runs_the_teacher(data_root, teacher_ckpt, tmp_path, short_run):
    cfg = short_run(MASKS_ALONE_CONFIG, data_root, tmp_path)
    cfg.model.teacher.ckpt = teacher_ckpt
    algorithm = build_algorithm(cfg)
    calls = count_calls(algorithm.teacher.sam.image_encoder)
    decoder_calls = count_calls(algorithm.teacher.sam.mask_decoder)
    losses = algorithm(*first_batch(cfg, algorithm), mode='loss')
    assert not set(DISTILL_TERMS) & set(losses) and {'loss_focal', 'loss_dice', 'loss_iou'} <= set(losses)
    assert calls == [] and decoder_calls == []


def test_student_copying_the_teacher_has_zero_distillation_terms(data_root, teacher_ckpt, tmp_path, short_run):
    cfg = short_run(FULL_CONFIG, data_root, tmp_path)
    cfg.model.teacher.ckpt = teacher_ckpt
    cfg.model.student = dict(cfg.model.teacher, prompts=cfg.model.student.prompts)  # same architecture and weights
    torch.manual_seed(0)
    algorithm = build_algorithm(cfg)
    losses = algorithm(*first_batch(cfg, algorithm), mode='loss')
    for term in DISTILL_TERMS:  # same prompts reach both decoders
        assert losses[term].item() == 0.0, term
    assert losses['loss_focal'].item() > 0


def test_cached_teacher_embeddings_equal_the_live_teacher(data_root, teacher_ckpt, tmp_path, short_run):
    cfg = short_run(CACHED_CONFIG, data_root, tmp_path)
    cache_dir = str(tmp_path / 'cache')
    cfg.merge_from_dict({'model.teacher.ckpt': teacher_ckpt, 'model.teacher_cache.cache_dir': cache_dir,
                         'model.teacher_cache.on_miss': 'error'})
    flips = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'].endswith('RandomFlip')]
    flips[0]['prob'] = 0.0  # one extraction pass holds the variant every step draws
    extract_teacher_features(cfg, cache_dir)

    algorithm = build_algorithm(cfg)
    algorithm.open_teacher_cache(dataset_pipeline(cfg.train_dataloader.dataset))
    inputs, samples = first_batch(cfg, algorithm)
    calls = count_calls(algorithm.teacher.sam.image_encoder)
    decoder_calls = count_calls(algorithm.teacher.sam.mask_decoder)
    managers = algorithm.distiller.recorder_managers
    assert algorithm.cached_teacher.inject(samples, managers, inputs.device)
    cached = managers['teacher'].get('embedding')
    losses = algorithm(inputs, samples, mode='loss')
    # trained from the cache: the teacher encoder never ran, its decoder did, on the delivered prompts
    assert calls == [] and set(DISTILL_TERMS) <= set(losses) and decoder_calls
    with torch.no_grad():
        live = algorithm.teacher.sam.image_encoder(inputs)
    assert cached.shape == live.shape == (len(samples), 256, 16, 16)
    torch.testing.assert_close(cached, live, rtol=1e-5, atol=1e-5)


def test_build_errors_name_the_problem():
    init_default_scope('mmkd')
    tiny = dict(type='mmkd.build_sam', img_size=32, patch_size=8, encoder_embed_dim=16, encoder_depth=1,
                encoder_num_heads=1, encoder_global_attn_indexes=(0,), encoder_window_size=4, prompt_embed_dim=32,
                decoder_mlp_dim=32, decoder_num_heads=2, iou_head_hidden_dim=16)
    task = dict(type='mmkd.SamPromptTrainer', sam=tiny)
    other_size = dict(task, sam=dict(tiny, img_size=64))
    distiller = dict(type='mmkd.TinySAMDistiller', losses=dict(loss_embedding=dict(type='mmkd.L1DistillLoss')))

    def build(student=task, teacher=task, distiller=distiller):
        return MODELS.build(dict(type='mmkd.SingleTeacherDistill', student=student, teacher=teacher,
                                 distiller=distiller))

    with pytest.raises(ValueError, match=r'input_image_size \(student \(32, 32\), teacher \(64, 64\)\)'):
        build(teacher=other_size)
    with pytest.raises(KeyError, match=r"unknown losses \['loss_tokens'\]; its terms are"):
        build(distiller=dict(type='mmkd.TinySAMDistiller', losses=dict(loss_tokens=dict(type='mmkd.L1DistillLoss'))))
    with pytest.raises(TypeError, match='must be a segment_anything Sam'):
        build(student=dict(task, sam=dict(type='ToyNet')))
    with pytest.raises(TypeError, match=r'the student must be a SAM task model.*ToyNet'):
        build(student=dict(type='ToyNet'))
    with pytest.raises(ValueError, match='eval_prompt_types'):
        build(student=dict(task, eval_prompt_types=('mask',)))
    algorithm = build()
    with pytest.raises(ValueError, match=r'takes 32x32 images.*pad_size_divisor=32'):
        algorithm(torch.zeros(1, 3, 48, 48), [], mode='loss')


def spy(calls, method):
    """``method`` wrapped to append ``(positional arguments, output)`` of each call to ``calls``."""
    def wrapper(*args, **kwargs):
        out = method(*args, **kwargs)
        calls.append((args, out))
        return out
    return wrapper


def test_teacher_decodes_exactly_the_prompts_the_student_drew(data_root, teacher_ckpt, tmp_path, short_run):
    cfg = short_run(FULL_CONFIG, data_root, tmp_path)  # hard prompt sampling: the prompts depend on the student
    cfg.model.teacher.ckpt = teacher_ckpt
    torch.manual_seed(0)
    algorithm = build_algorithm(cfg).train()
    student, teacher = algorithm.student, algorithm.teacher
    drawn, decoded_T = [], []
    student.draw_prompts = spy(drawn, student.draw_prompts)
    teacher.decode_prompts = spy(decoded_T, teacher.decode_prompts)
    inputs, samples = first_batch(cfg, algorithm)
    losses = algorithm(inputs, samples, mode='loss')

    assert len(drawn) == 1 and list(drawn[0][1]) == ['point', 'box']
    assert len(decoded_T) == 2  # one replay per prompt type, in the order drawn
    for (prompts_S, _), ((_, prompts_T), _) in zip(drawn[0][1].values(), decoded_T):
        for field in ('image_index', 'point_coords', 'point_labels', 'boxes', 'mask_inputs'):
            s, t = getattr(prompts_S, field), getattr(prompts_T, field)
            assert (s is None and t is None) or torch.equal(s, t), field
    with torch.no_grad():  # ... from the teacher's own embeddings
        torch.testing.assert_close(decoded_T[0][0][0], teacher.sam.image_encoder(inputs))
    sum(losses.values()).backward()
    assert all(p.grad is None for p in teacher.parameters())


def test_each_term_can_be_scaled_or_switched_off(data_root, teacher_ckpt, tmp_path, short_run):
    cfg = short_run(FULL_CONFIG, data_root, tmp_path)
    cfg.model.teacher.ckpt = teacher_ckpt
    torch.manual_seed(0)
    algorithm = build_algorithm(cfg)
    batch = first_batch(cfg, algorithm)

    def step():
        torch.manual_seed(1)  # the same prompts every call
        with torch.no_grad():
            return algorithm(*batch, mode='loss')

    full = step()
    # at iteration 1: the output term warmed up to 1/4, the token term stopped
    hook = DistillLossWeightScheduleHook(dict(loss_output=dict(warmup=4), loss_token=dict(stop_at=1)))
    runner = SimpleNamespace(model=algorithm, iter=1, epoch=0)
    hook.before_run(runner)
    hook.before_train_iter(runner, 0)
    scaled = step()
    assert 'distill.loss_token' not in scaled
    assert scaled['distill.loss_output'].item() == pytest.approx(0.25 * full['distill.loss_output'].item())
    for key in ('distill.loss_embedding', 'loss_focal', 'loss_dice', 'loss_iou'):
        assert scaled[key].item() == pytest.approx(full[key].item()), key
    with pytest.raises(KeyError, match="no distillation loss 'loss_tokens'"):
        algorithm.distiller.set_weight_factor('loss_tokens', 0.0)
