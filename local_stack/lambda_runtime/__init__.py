"""Lambda execution environments: the pool per function (:mod:`.pool`), the zygote and
sandbox worker processes (:mod:`.worker`, run as a script) and asynchronous event delivery
(:mod:`.event_delivery`)."""
