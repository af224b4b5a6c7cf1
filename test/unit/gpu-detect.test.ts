import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineId } from '../../src/main/core/bench/machine-info';
import { detectGpus, readDrmCards } from '../../src/main/core/system/gpu-detect';
import { gpusFromDrm, mergeGpus, parseCimVideoControllers, parseLspciMm, parseSystemProfiler } from '../../src/main/core/system/gpu-parsers';

const GiB = 1024 ** 3;

/** `lspci -mm -D` of a laptop (Intel iGPU, NVIDIA dGPU), an AMD desktop card and a server's management VGA. */
const LSPCI = `0000:00:00.0 "Host bridge" "Intel Corporation" "12th Gen Core Processor Host Bridge/DRAM Registers" -r02 "Lenovo" "Device 3b2f"
0000:00:02.0 "VGA compatible controller" "Intel Corporation" "Alder Lake-P GT2 [Iris Xe Graphics]" -r0c "Lenovo" "Device 3b2f"
0000:00:14.0 "USB controller" "Intel Corporation" "Alder Lake PCH USB 3.2 xHCI Host Controller" -r01 -p30 "Lenovo" "Device 3b2f"
0000:01:00.0 "3D controller" "NVIDIA Corporation" "GA107M [GeForce RTX 3050 Mobile]" -ra1 "Lenovo" "Device 3b2f"
0000:03:00.0 "VGA compatible controller" "Advanced Micro Devices, Inc. [AMD/ATI]" "Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]" -rc1 "Sapphire Technology Limited" "Nitro+ Radeon RX 6800 XT"
0000:04:00.0 "VGA compatible controller" "ASPEED Technology, Inc." "ASPEED Graphics Family" -r41 "ASPEED Technology, Inc." "ASPEED Graphics Family"
`;

/** `system_profiler SPDisplaysDataType -json` on Apple silicon (trimmed of the displays' details). */
const MAC_APPLE_SILICON = `{
  "SPDisplaysDataType" : [
    {
      "_name" : "Apple M2 Pro",
      "spdisplays_mtlgpufamilysupport" : "spdisplays_metal3",
      "spdisplays_ndrvs" : [ { "_name" : "Color LCD", "spdisplays_main" : "spdisplays_yes", "_spdisplays_pixels" : "3456 x 2234" } ],
      "spdisplays_vendor" : "sppci_vendor_Apple",
      "sppci_bus" : "spdisplays_builtin",
      "sppci_cores" : "19",
      "sppci_device_type" : "spdisplays_gpu",
      "sppci_model" : "Apple M2 Pro"
    }
  ]
}`;

/** An Intel MacBook Pro 16" (2019): integrated Intel on shared memory, a discrete AMD card with its own. */
const MAC_INTEL = `{
  "SPDisplaysDataType" : [
    {
      "_name" : "Intel UHD Graphics 630",
      "spdisplays_automatic_graphics_switching" : "spdisplays_supported",
      "spdisplays_device-id" : "0x3e9b",
      "spdisplays_metal" : "spdisplays_metal2",
      "spdisplays_revision-id" : "0x0002",
      "spdisplays_vendor" : "Intel",
      "spdisplays_vram_shared" : "1536 MB",
      "sppci_bus" : "spdisplays_builtin",
      "sppci_device_type" : "spdisplays_gpu",
      "sppci_model" : "Intel UHD Graphics 630"
    },
    {
      "_name" : "AMD Radeon Pro 5500M",
      "spdisplays_device-id" : "0x7340",
      "spdisplays_pcie_width" : "x16",
      "spdisplays_revision-id" : "0x0040",
      "spdisplays_vendor" : "sppci_vendor_amd",
      "spdisplays_vram" : "4 GB",
      "sppci_bus" : "spdisplays_pcie_device",
      "sppci_device_type" : "spdisplays_gpu",
      "sppci_model" : "AMD Radeon Pro 5500M"
    }
  ]
}`;

/** `Get-CimInstance Win32_VideoController | Select-Object Name,AdapterRAM,PNPDeviceID | ConvertTo-Json -Compress`. */
const WINDOWS_TWO = JSON.stringify([
  { Name: 'NVIDIA GeForce RTX 3060', AdapterRAM: 4293918720, PNPDeviceID: 'PCI\\VEN_10DE&DEV_2503&SUBSYS_397D1462&REV_A1\\4&2283F625&0&0019' },
  { Name: 'Intel(R) UHD Graphics 770', AdapterRAM: 1073741824, PNPDeviceID: 'PCI\\VEN_8086&DEV_4680&SUBSYS_7D251462&REV_0C\\3&11583659&0&10' },
  { Name: 'Parsec Virtual Display Adapter', AdapterRAM: null, PNPDeviceID: 'ROOT\\DISPLAY\\0000' },
]);
/** One adapter: PowerShell writes an object, not an array. */
const WINDOWS_ONE = '{"Name":"AMD Radeon RX 7900 XTX","AdapterRAM":4293918720,"PNPDeviceID":"PCI\\\\VEN_1002&DEV_744C&SUBSYS_0E3B1002&REV_C8\\\\6&1A2B3C4D&0&00000019"}';
/** A Hyper-V guest. */
const WINDOWS_VM = '{"Name":"Microsoft Hyper-V Video","AdapterRAM":33554432,"PNPDeviceID":"PCI\\\\VEN_1414&DEV_5353&SUBSYS_00000000&REV_00\\\\3&267A616A&0&40"}';

describe('GPUs besides NVIDIA', () => {
  it('Linux: DRM cards named by lspci -mm, AMD VRAM from sysfs, management VGA left out, ids without lspci', () => {
    const lspci = parseLspciMm(LSPCI);
    expect(lspci.get('0000:00:02.0')).toEqual({ vendor: 'Intel Corporation', device: 'Alder Lake-P GT2 [Iris Xe Graphics]' });
    const cards = [
      { slot: '0000:00:02.0', vendorId: '0x8086', deviceId: '0x46a6', vramBytes: null },
      { slot: '0000:03:00.0', vendorId: '0x1002', deviceId: '0x73bf', vramBytes: 16 * GiB },
      { slot: '0000:04:00.0', vendorId: '0x1a03', deviceId: '0x2000', vramBytes: null },
    ];
    expect(gpusFromDrm(cards, lspci)).toEqual([
      { name: 'Intel Alder Lake-P GT2 [Iris Xe Graphics]', memoryBytes: null, vendorId: '0x8086' },
      { name: 'AMD Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]', memoryBytes: 16 * GiB, vendorId: '0x1002' },
    ]);
    expect(gpusFromDrm(cards.slice(0, 1), new Map())).toEqual([{ name: 'Intel GPU 8086:46a6', memoryBytes: null, vendorId: '0x8086' }]);
  });

  it('Linux: reads /sys/class/drm cards (not connectors or render nodes), their PCI slot, and skips non-PCI devices', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-drm-'));
    try {
      const pci = (slot: string, files: Record<string, string>): string => {
        const dir = path.join(root, 'devices', 'pci0000:00', slot);
        fs.mkdirSync(dir, { recursive: true });
        for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
        return dir;
      };
      const card = (name: string, device: string): void => {
        fs.mkdirSync(path.join(root, name));
        fs.symlinkSync(device, path.join(root, name, 'device'));
      };
      card('card1', pci('0000:03:00.0', { vendor: '0x1002\n', device: '0x73bf\n', mem_info_vram_total: '17163091968\n' }));
      card('card0', pci('0000:00:02.0', { vendor: '0x8086\n', device: '0x46a6\n' }));
      card('card0-eDP-1', pci('0000:00:02.0', { vendor: '0x8086\n', device: '0x46a6\n' }));
      card('renderD128', pci('0000:00:02.0', { vendor: '0x8086\n', device: '0x46a6\n' }));
      const framebuffer = path.join(root, 'devices', 'platform', 'simple-framebuffer.0');
      fs.mkdirSync(framebuffer, { recursive: true });
      card('card2', framebuffer);
      expect(await readDrmCards(root)).toEqual([
        { slot: '0000:00:02.0', vendorId: '0x8086', deviceId: '0x46a6', vramBytes: null },
        { slot: '0000:03:00.0', vendorId: '0x1002', deviceId: '0x73bf', vramBytes: 17163091968 },
      ]);
      expect(await readDrmCards(path.join(root, 'missing'))).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('macOS: system_profiler JSON, Apple silicon with its GPU cores, discrete VRAM but not shared memory', () => {
    expect(parseSystemProfiler(MAC_APPLE_SILICON)).toEqual([{ name: 'Apple M2 Pro (19 GPU cores)', memoryBytes: null, vendorId: null }]);
    expect(parseSystemProfiler(MAC_INTEL)).toEqual([
      { name: 'Intel UHD Graphics 630', memoryBytes: null, vendorId: null },
      { name: 'AMD Radeon Pro 5500M', memoryBytes: 4 * GiB, vendorId: null },
    ]);
    expect(parseSystemProfiler('')).toEqual([]);
    expect(parseSystemProfiler('{"SPDisplaysDataType": "nope"}')).toEqual([]);
  });

  it('Windows: Win32_VideoController as an array or one object; PCI adapters only; the uint32 AdapterRAM cap is unknown', () => {
    expect(parseCimVideoControllers(WINDOWS_TWO)).toEqual([
      { name: 'NVIDIA GeForce RTX 3060', memoryBytes: null, vendorId: '0x10de' },
      { name: 'Intel(R) UHD Graphics 770', memoryBytes: GiB, vendorId: '0x8086' },
    ]);
    expect(parseCimVideoControllers(WINDOWS_ONE)).toEqual([{ name: 'AMD Radeon RX 7900 XTX', memoryBytes: null, vendorId: '0x1002' }]);
    expect(parseCimVideoControllers(WINDOWS_VM)).toEqual([]);
    expect(parseCimVideoControllers('Get-CimInstance : Access denied')).toEqual([]);
  });

  it('nvidia-smi keeps its cards (with memory); the OS list adds the others, and NVIDIA ones only without nvidia-smi', () => {
    const others = gpusFromDrm(
      [
        { slot: '0000:00:02.0', vendorId: '0x8086', deviceId: '0x46a6', vramBytes: null },
        { slot: '0000:01:00.0', vendorId: '0x10de', deviceId: '0x25a2', vramBytes: null },
      ],
      parseLspciMm(LSPCI),
    );
    const smi = [{ name: 'NVIDIA GeForce RTX 3050 Laptop GPU', memoryBytes: 4 * GiB }];
    expect(mergeGpus(smi, others)).toEqual([...smi, { name: 'Intel Alder Lake-P GT2 [Iris Xe Graphics]', memoryBytes: null }]);
    expect(mergeGpus([], others).map((g) => g.name)).toEqual(['Intel Alder Lake-P GT2 [Iris Xe Graphics]', 'NVIDIA GA107M [GeForce RTX 3050 Mobile]']);
  });

  it('never throws, and asks the tools once per process', async () => {
    const env = { PATH: process.env.PATH, MODEL_CENTER_NVIDIA_SMI: path.join(os.tmpdir(), 'no-such-nvidia-smi') };
    const first = detectGpus(env);
    expect(detectGpus(env)).toBe(first);
    expect(Array.isArray(await first)).toBe(true);
  });
});

describe('machine id', () => {
  const facts = {
    cpuModel: 'AMD EPYC 7B13',
    physicalCores: 8,
    logicalCores: 16,
    totalRamBytes: 31.4 * GiB,
    gpus: [{ name: 'NVIDIA H100 80GB HBM3', memoryBytes: 81559 * 1024 ** 2 }],
    os: { platform: 'linux', type: 'Linux', release: '6.1.0', arch: 'x64' },
  };

  it('stays what it was for a machine whose only GPUs are NVIDIA ones, and changes with any other GPU', () => {
    const before = createHash('sha256').update('AMD EPYC 7B13|8|16|31|NVIDIA H100 80GB HBM3:80|linux|x64').digest('hex').slice(0, 12);
    expect(machineId(facts)).toBe(before);
    expect(machineId({ ...facts, gpus: [...facts.gpus, { name: 'Intel Alder Lake-P GT2 [Iris Xe Graphics]', memoryBytes: null }] })).not.toBe(before);
  });
});
