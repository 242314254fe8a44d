"""Catalogue: mistakes in a config or on the command line, run through tools/train.py.

Each case trains (or starts to train) the tiny distillation pair of conftest.py
with one mistake and checks the error type and that its message names the
culprit: the type name, module path, loss, argument or option the user wrote.
"""
import pytest

from helpers import load_tool

pytest.importorskip('timm')


@pytest.fixture(scope='module')
def train():
    return load_tool('train').main


def run(train, config, *options):
    train([config, *(['--cfg-options', *options] if options else [])])


# ------------------------------------------------------------------ unknown types, one per registry
@pytest.mark.parametrize('option, culprit', [
    ("model.type='mmkd.NoSuchDistill'", 'NoSuchDistill'),
    ("model.distiller.type='NoSuchDistiller'", 'NoSuchDistiller'),
])
def test_unknown_model_type(train, tiny_config, bad_input, option, culprit):
    """MODELS: the algorithm or the distiller names no registered class."""
    with bad_input(KeyError, culprit, 'registry'):
        run(train, tiny_config(), option)


def test_unknown_loss_type(train, tiny_config, bad_input):
    with bad_input(KeyError, "distillation loss 'loss_kd'", 'KDLos'):
        run(train, tiny_config(), "model.distiller.losses.loss_kd.type='KDLos'")


def test_unknown_connector_type(train, tiny_config, bad_input):
    with bad_input(KeyError, 'NoSuchConnector'):
        run(train, tiny_config("model = dict(distiller=dict(connectors=dict(align=dict(type='NoSuchConnector'))))"))


def test_unknown_recorder_type(train, tiny_config, bad_input):
    with bad_input(KeyError, 'NoSuchRecorder'):
        run(train, tiny_config(), "model.distiller.student_recorders.logits.type='NoSuchRecorder'")


def test_unknown_teacher_input_type(train, tiny_config, bad_input):
    """TASK_UTILS: a teacher's ``inputs`` view."""
    with bad_input(KeyError, 'NoSuchInput'):
        run(train, tiny_config(), "model.teacher.inputs.type='NoSuchInput'")


def test_unknown_timm_model(train, tiny_config, bad_input):
    with bad_input(KeyError, 'deit_tinyy_patch16_224'):
        run(train, tiny_config(), "model.student.model_name='deit_tinyy_patch16_224'")


def test_unknown_dataset_type(train, tiny_config, bad_input):
    with bad_input(KeyError, 'NoSuchDataset'):
        run(train, tiny_config(), "train_dataloader.dataset.type='NoSuchDataset'")


def test_unknown_transform_type(train, tiny_config, bad_input):
    with bad_input(KeyError, 'NoSuchTransform'):
        run(train, tiny_config("train_dataloader = dict(dataset=dict(pipeline=[dict(type='NoSuchTransform')]))"))


def test_unknown_metric_type(train, tiny_config, bad_input):
    with bad_input(KeyError, 'NoSuchMetric'):
        run(train, tiny_config("val_evaluator = dict(_delete_=True, type='NoSuchMetric')"))


def test_unknown_hook_type(train, tiny_config, bad_input):
    with bad_input(KeyError, 'NoSuchHook'):
        run(train, tiny_config("custom_hooks = [dict(type='NoSuchHook')]"))


def test_unknown_loop_type(train, tiny_config, bad_input):
    with bad_input(KeyError, 'NoSuchLoop'):
        run(train, tiny_config("train_cfg = dict(_delete_=True, type='NoSuchLoop', max_epochs=1)"))


def test_unknown_optim_wrapper_type(train, tiny_config, bad_input):
    with bad_input(KeyError, 'NoSuchWrapper'):
        run(train, tiny_config(), "optim_wrapper.type='NoSuchWrapper'")


# ------------------------------------------------------------------ wiring
def test_recorder_module_path_wrong(train, tiny_config, bad_input):
    """A recorder ``source`` naming no submodule: the path and the closest valid ones."""
    with bad_input(KeyError, "recorder 'logits' of the student", 'model.hed'):
        run(train, tiny_config(), "model.distiller.student_recorders.logits.source='model.hed'")


def test_loss_input_names_no_recorder(train, tiny_config, bad_input):
    with bad_input(KeyError, "loss_inputs['loss_kd']", 'logitz'):
        run(train, tiny_config(), "model.distiller.loss_inputs.loss_kd.preds_S=['student','logitz']")


def test_loss_input_for_unconfigured_loss(train, tiny_config, bad_input):
    with bad_input(KeyError, 'loss_dkd'):
        run(train, tiny_config(), "model.distiller.loss_inputs.loss_dkd.preds_S=['student','logits']")


def test_loss_input_names_no_argument(train, tiny_config, bad_input):
    with bad_input(TypeError, "loss 'loss_kd'", 'logits_S'):
        run(train, tiny_config(), "model.distiller.loss_inputs.loss_kd.logits_S=['student','logits']")


def test_loss_unknown_argument(train, tiny_config, bad_input):
    with bad_input(TypeError, "distillation loss 'loss_kd'", 'tua'):
        run(train, tiny_config(), 'model.distiller.losses.loss_kd.tua=2.0')


# ------------------------------------------------------------------ invalid loss arguments (build time)
def test_negative_cwd_temperature(train, tiny_config, bad_input):
    config = tiny_config("model = dict(distiller=dict(losses=dict(loss_kd=dict(_delete_=True, "
                         "type='ChannelWiseDivergence', tau=-1.0))))")
    with bad_input(ValueError, "distillation loss 'loss_kd'", 'ChannelWiseDivergence', 'tau=-1.0', 'positive'):
        run(train, config)


def test_zero_kd_temperature(train, tiny_config, bad_input):
    with bad_input(ValueError, "distillation loss 'loss_kd'", 'tau=0', 'positive'):
        run(train, tiny_config(), 'model.distiller.losses.loss_kd.tau=0')


def test_loss_weight_not_a_number(train, tiny_config, bad_input):
    with bad_input(TypeError, "distillation loss 'loss_kd'", "loss_weight='heavy'", 'not a number'):
        run(train, tiny_config("model = dict(distiller=dict(losses=dict(loss_kd=dict(loss_weight='heavy'))))"))


def test_loss_weight_negative(train, tiny_config, bad_input):
    with bad_input(ValueError, "distillation loss 'loss_kd'", 'loss_weight=-1', 'negative'):
        run(train, tiny_config(), 'model.distiller.losses.loss_kd.loss_weight=-1')


# ------------------------------------------------------------------ shapes and dtypes (first step)
def test_feature_shape_mismatch(train, tiny_config, bad_input):
    """Student tokens of width 16 against teacher tokens of width 32, without a connector."""
    config = tiny_config("""
model = dict(distiller=dict(
    student_recorders=dict(tokens=dict(type='ModuleOutputs', source='model.blocks.0')),
    teacher_recorders=dict(tokens=dict(type='ModuleOutputs', source='model.blocks.0')),
    losses=dict(loss_hint=dict(type='FitNetLoss')),
    loss_inputs=dict(loss_hint=dict(preds_S=('student', 'tokens'), preds_T=('teacher', 'tokens')))))
""")
    with bad_input(ValueError, "distillation loss 'loss_hint'", '(8, 17, 16)', '(8, 17, 32)', 'connector'):
        run(train, config)


def test_loss_input_dtype_mismatch(train, tiny_config, bad_input):
    """Integer class labels (a data-sample field) given to KD as the teacher's logits."""
    config = tiny_config("model = dict(distiller=dict(loss_inputs=dict(loss_kd=dict("
                         "preds_T=('data_samples', 'gt_label')))))")
    with bad_input(ValueError, "distillation loss 'loss_kd'", 'preds_T of torch.int64', 'floating-point'):
        run(train, config)


# ------------------------------------------------------------------ command line
def test_cfg_options_without_equals(train, tiny_config, usage_error):
    with usage_error('--cfg-options', "'train_cfg.max_epochs'", 'KEY=VALUE'):
        train([tiny_config(), '--cfg-options', 'train_cfg.max_epochs', '2'])


def test_cfg_options_unbalanced_brackets(train, tiny_config, usage_error):
    with usage_error('--cfg-options', "'custom_hooks=[dict(type=\"X\")'", 'brackets'):
        train([tiny_config(), '--cfg-options', 'custom_hooks=[dict(type="X")'])


def test_cfg_options_dict_value(train, tiny_config, usage_error):
    """mmengine's parser recurses forever on dict(...) values."""
    with usage_error('--cfg-options', 'dict(...)', 'one by one'):
        train([tiny_config(), '--cfg-options', "model.teacher.inputs=dict(type='CutMix',prob=1)"])


def test_config_file_missing(train, tmp_path, bad_input):
    with bad_input(FileNotFoundError, 'no_such_config.py'):
        train([str(tmp_path / 'no_such_config.py')])
