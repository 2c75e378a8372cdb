"""Multi-GPU through torchrun: torch.distributed + DistributedDataParallel, nothing home-made.

The CLI reads torchrun's WORLD_SIZE / RANK / LOCAL_RANK into TrainConfig; these helpers only
act on the config.
"""

from __future__ import annotations

import torch
import torch.distributed as dist


def init_distributed(world_size: int, rank: int, device: torch.device) -> None:
    """Join the process group torchrun set up (env:// rendezvous). No-op for one process."""
    if world_size <= 1 or dist.is_initialized():
        return
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(backend=backend, world_size=world_size, rank=rank)


def shutdown_distributed() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def is_main_process(rank: int) -> bool:
    return rank == 0


def barrier(world_size: int) -> None:
    if world_size > 1 and dist.is_initialized():
        dist.barrier()
