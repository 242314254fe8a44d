from .builder import build_model, load_model_cfg  # noqa: F401
from .algorithms import *  # noqa: F401,F403
from .classifiers import *  # noqa: F401,F403
from .connectors import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .distillers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .recorders import *  # noqa: F401,F403
from .sam import *  # noqa: F401,F403
from .clip import *  # noqa: F401,F403
from .oadp import *  # noqa: F401,F403
from .foundation import *  # noqa: F401,F403
