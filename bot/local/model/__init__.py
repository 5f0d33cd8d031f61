"""Request validation and normalisation into Notion's response shapes (pure: no storage).

One module per concern: ``checks`` (types, limits, allowed keys), ``richtext`` (rich text,
icons), ``blocks`` (one normaliser per block type), ``schema`` (property types), ``dates``,
``filters`` (data-source query filters). Resources use them as ``M.<name>``.
"""

from .blocks import *  # noqa: F401,F403
from .checks import *  # noqa: F401,F403
from .dates import *  # noqa: F401,F403
from .filters import *  # noqa: F401,F403
from .richtext import *  # noqa: F401,F403
from .schema import *  # noqa: F401,F403
