"""Lambda execution environments: the pool per function (:mod:`.pool`, :class:`Runtime`),
one environment (:mod:`.sandbox`), the zygote they fork from (:mod:`.zygote`; its process
and the workers run :mod:`.worker` as a script), what they share (:mod:`.environment`) and
asynchronous event delivery (:mod:`.event_delivery`)."""
