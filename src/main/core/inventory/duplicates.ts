import { INVENTORY_TOOL_TITLES, type DuplicateGroupDTO, type InventoryFileDTO } from '../../../shared/contract';
import { groupBy } from './group-by';

/** A hardlink group to make: `link` paths become links to `keep`. */
export interface LinkAction {
  sha256: string;
  sizeBytes: number;
  keep: string;
  device: string;
  link: string[];
  /** Bytes the links free (an inode with links outside the stores frees nothing). */
  saves: number;
}

interface Inode {
  key: string;
  device: string;
  links: number;
  files: InventoryFileDTO[];
  /** Every link of it is a known file in an immutable store: linking it cannot reach a file some tool rewrites. */
  clean: boolean;
}

const TOOL_ORDER = ['ollama', 'huggingface', 'lmstudio', 'jan', 'vosk', 'sentence-transformers'];

export function mutableReason(f: InventoryFileDTO): string {
  return `${INVENTORY_TOOL_TITLES[f.tool]} keeps plain files that it (or its user) may rewrite in place; a hardlink would carry that change into the other copies`;
}

function inodesOf(files: InventoryFileDTO[]): Inode[] {
  return [...groupBy(files, (f) => [`${f.device}:${f.inode}`]).entries()].map(([key, list]) => {
    const first = list[0]!;
    return { key, device: first.device, links: first.links, files: list, clean: list.every((f) => f.immutable) && first.links <= list.length };
  });
}

/** The inode to keep: the most links already (fewest files rewritten), then Ollama's, then the HF cache's, then by path. */
function keeper(nodes: Inode[]): Inode {
  return [...nodes].sort(
    (a, b) =>
      b.files.length - a.files.length ||
      TOOL_ORDER.indexOf(a.files[0]!.tool) - TOOL_ORDER.indexOf(b.files[0]!.tool) ||
      a.files[0]!.path.localeCompare(b.files[0]!.path),
  )[0]!;
}

/**
 * The same content (sha256 and size) stored as more than one inode. Per group: the bytes the extra copies use,
 * what hardlinking the copies that share a filesystem would save, what `dedupe` saves (immutable stores only), and
 * the copies it leaves alone with why. The link plan comes with it.
 */
export function findDuplicates(files: InventoryFileDTO[]): { groups: DuplicateGroupDTO[]; actions: LinkAction[] } {
  const byHash = groupBy(files, (f) => (f.sha256 && f.sizeBytes > 0 ? [`${f.sha256}:${f.sizeBytes}`] : []));
  const groups: DuplicateGroupDTO[] = [];
  const actions: LinkAction[] = [];
  for (const list of byHash.values()) {
    const nodes = inodesOf(list);
    if (nodes.length < 2) continue;
    const size = list[0]!.sizeBytes;
    const sha256 = list[0]!.sha256!;
    const devices = [...new Set(nodes.map((n) => n.device))];
    let linkable = 0;
    let dedupe = 0;
    const skipped: DuplicateGroupDTO['skipped'] = [];
    for (const dev of devices) {
      const onDev = nodes.filter((n) => n.device === dev);
      linkable += (onDev.length - 1) * size;
      const usable = onDev.filter((n) => n.clean);
      for (const n of onDev.filter((x) => !x.clean)) {
        for (const f of n.files) {
          const reason = f.immutable
            ? `also hardlinked from outside the content-addressed stores (${n.links} links, ${n.files.length} known): linking more files to it would widen that`
            : mutableReason(f);
          skipped.push({ path: f.path, reason });
        }
      }
      if (usable.length < 2) {
        if (usable.length === 1 && onDev.length === 1 && devices.length > 1) {
          for (const f of usable[0]!.files) skipped.push({ path: f.path, reason: `on another filesystem (device ${dev}) than the other copies: a hardlink cannot cross filesystems` });
        }
        continue;
      }
      const keep = keeper(usable);
      const others = usable.filter((n) => n !== keep);
      // A clean inode has no links besides the listed files, and all of them are relinked: its bytes come back.
      const saves = others.length * size;
      dedupe += saves;
      actions.push({ sha256, sizeBytes: size, keep: keep.files[0]!.path, device: dev, link: others.flatMap((n) => n.files.map((f) => f.path)), saves });
    }
    groups.push({
      sha256,
      sizeBytes: size,
      copies: list.map((f) => ({ path: f.path, tool: f.tool, models: f.models, device: f.device, inode: f.inode, immutable: f.immutable })),
      wastedBytes: (nodes.length - 1) * size,
      linkableBytes: linkable,
      dedupeBytes: dedupe,
      skipped,
    });
  }
  groups.sort((a, b) => b.wastedBytes - a.wastedBytes || a.sha256.localeCompare(b.sha256));
  return { groups, actions };
}
