/**
 * What each operating system's own tools say about the GPUs, read into one shape. nvidia-smi stays the source for
 * NVIDIA cards (it alone reports their memory); these find the others: Linux's DRM cards named by `lspci -mm`,
 * macOS's `system_profiler SPDisplaysDataType -json`, Windows' `Win32_VideoController` through PowerShell.
 */

export interface DetectedGpu {
  name: string;
  /** Dedicated memory; null where the tool does not say, or the GPU shares the system's RAM. */
  memoryBytes: number | null;
  /** PCI vendor id as `0x10de`, where known: it tells an NVIDIA card nvidia-smi already listed. */
  vendorId: string | null;
}

export const NVIDIA_VENDOR_ID = '0x10de';

const VENDOR_NAMES: Record<string, string> = { '0x8086': 'Intel', '0x1002': 'AMD', '0x10de': 'NVIDIA', '0x106b': 'Apple', '0x5143': 'Qualcomm', '0x1ed5': 'Moore Threads' };

/**
 * Display-only adapters: servers' management chips (ASPEED, Matrox G200) and virtual machines' emulated VGA (QEMU,
 * Cirrus, VMware, virtio, Hyper-V). They run no model, and whether a VM has one says nothing about its speed.
 */
const DISPLAY_ONLY_VENDORS = new Set(['0x1a03', '0x102b', '0x1234', '0x1013', '0x15ad', '0x1af4', '0x1414']);

const MB = 1024 ** 2;

function normalisedVendorId(id: string): string {
  return `0x${id.trim().toLowerCase().replace(/^0x/, '').padStart(4, '0')}`;
}

/** `lspci -mm -D` lines (`0000:00:02.0 "VGA compatible controller" "Intel Corporation" "Alder Lake-P GT2 [Iris Xe Graphics]" -r0c …`): slot → vendor and device names. */
export function parseLspciMm(text: string): Map<string, { vendor: string; device: string }> {
  const bySlot = new Map<string, { vendor: string; device: string }>();
  for (const line of text.split('\n')) {
    const fields = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => ({ quoted: m[1] !== undefined, text: m[1] ?? m[2] ?? '' }));
    const [slot, , vendor, device] = fields;
    if (!slot || slot.quoted || !vendor?.quoted || !device?.quoted) continue;
    bySlot.set(slot.text.toLowerCase(), { vendor: vendor.text, device: device.text });
  }
  return bySlot;
}

/** One /sys/class/drm/cardN: its PCI slot (the device link's target), ids, and amdgpu's VRAM size when it says. */
export interface DrmCard {
  slot: string;
  vendorId: string;
  deviceId: string;
  vramBytes: number | null;
}

/** Linux: the DRM cards (one per GPU with a driver), named by lspci when it is installed, else by their ids. */
export function gpusFromDrm(cards: DrmCard[], lspci: Map<string, { vendor: string; device: string }>): DetectedGpu[] {
  const seen = new Set<string>();
  const gpus: DetectedGpu[] = [];
  for (const card of cards) {
    const vendorId = normalisedVendorId(card.vendorId);
    if (seen.has(card.slot) || DISPLAY_ONLY_VENDORS.has(vendorId)) continue;
    seen.add(card.slot);
    const named = lspci.get(card.slot.toLowerCase());
    const vendor = VENDOR_NAMES[vendorId] ?? named?.vendor ?? `PCI vendor ${vendorId}`;
    const name = named ? `${vendor} ${named.device}` : `${vendor} GPU ${vendorId.slice(2)}:${card.deviceId.trim().toLowerCase().replace(/^0x/, '')}`;
    gpus.push({ name, memoryBytes: card.vramBytes, vendorId });
  }
  return gpus;
}

/** A tool's JSON, or null for anything else (an error message, nothing). */
function jsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** "4 GB", "1536 MB" → bytes. */
function sizeText(text: unknown): number | null {
  const m = typeof text === 'string' ? /^(\d+(?:\.\d+)?)\s*(MB|GB|TB)$/i.exec(text.trim()) : null;
  if (!m) return null;
  const unit = { MB: MB, GB: 1024 * MB, TB: 1024 * 1024 * MB }[m[2]!.toUpperCase() as 'MB' | 'GB' | 'TB'];
  return Math.round(Number(m[1]) * unit);
}

/**
 * macOS: `system_profiler SPDisplaysDataType -json`. Apple silicon has no VRAM of its own (the name gets its GPU
 * cores, which decide its speed); an Intel Mac's discrete card has `spdisplays_vram`, its integrated one only
 * `spdisplays_vram_shared` (system RAM, left out).
 */
export function parseSystemProfiler(json: string): DetectedGpu[] {
  const items = (jsonOrNull(json) as { SPDisplaysDataType?: unknown } | null)?.SPDisplaysDataType;
  if (!Array.isArray(items)) return [];
  return items.flatMap((raw: unknown): DetectedGpu[] => {
    if (!raw || typeof raw !== 'object') return [];
    const g = raw as Record<string, unknown>;
    const model = typeof g.sppci_model === 'string' ? g.sppci_model : typeof g._name === 'string' ? g._name : null;
    if (!model) return [];
    const cores = typeof g.sppci_cores === 'string' && /^\d+$/.test(g.sppci_cores) ? ` (${g.sppci_cores} GPU cores)` : '';
    return [{ name: `${model}${cores}`, memoryBytes: sizeText(g.spdisplays_vram), vendorId: null }];
  });
}

/** Win32_VideoController.AdapterRAM is a uint32: a card with 4 GB or more reports about 4 GB, so that is "unknown". */
const ADAPTER_RAM_CAP = 0xfff00000;

/**
 * Windows: `Get-CimInstance Win32_VideoController | Select-Object Name,AdapterRAM,PNPDeviceID | ConvertTo-Json`
 * (an object for one adapter, an array for more). Only PCI adapters count: Microsoft's basic and remote display
 * drivers and virtual displays (ROOT\…, SWD\…) are not GPUs.
 */
export function parseCimVideoControllers(json: string): DetectedGpu[] {
  const doc = jsonOrNull(json);
  const items: unknown[] = Array.isArray(doc) ? doc : doc && typeof doc === 'object' ? [doc] : [];
  return items.flatMap((raw): DetectedGpu[] => {
    const g = (raw ?? {}) as { Name?: unknown; AdapterRAM?: unknown; PNPDeviceID?: unknown };
    const pci = typeof g.PNPDeviceID === 'string' ? /^PCI\\VEN_([0-9A-F]{4})/i.exec(g.PNPDeviceID) : null;
    if (!pci || typeof g.Name !== 'string' || !g.Name.trim()) return [];
    const vendorId = normalisedVendorId(pci[1]!);
    if (DISPLAY_ONLY_VENDORS.has(vendorId)) return [];
    const ram = typeof g.AdapterRAM === 'number' && g.AdapterRAM > 0 && g.AdapterRAM < ADAPTER_RAM_CAP ? g.AdapterRAM : null;
    return [{ name: g.Name.trim(), memoryBytes: ram, vendorId }];
  });
}

/** nvidia-smi's cards first (with their memory); the others' NVIDIA entries only when nvidia-smi found none. */
export function mergeGpus(nvidia: Array<{ name: string; memoryBytes: number }>, others: DetectedGpu[]): Array<{ name: string; memoryBytes: number | null }> {
  const rest = nvidia.length ? others.filter((g) => g.vendorId !== NVIDIA_VENDOR_ID) : others;
  return [...nvidia, ...rest.map(({ name, memoryBytes }) => ({ name, memoryBytes }))];
}
