import type { GateDTO, gateContract } from '../../../shared/contract';
import { requireCollection, type CollectionRow } from '../collections/collection-store';
import type { CoreServices } from '../core-services';
import type { DomainHandlers } from '../handlers';
import { gateRuns } from './gate-runs';
import { gateSettings, setGateSettings } from './gate-settings';
import { addGolden, listGolden, removeGolden, sampleGolden } from './golden-set';
import { parseGoldenFile } from './golden-set-file';
import type { QualityGate } from './quality-gate';

export function createGateHandlers(services: CoreServices, gate: QualityGate): DomainHandlers<typeof gateContract> {
  const { db } = services;
  const view = (c: CollectionRow): GateDTO => {
    const queries = listGolden(db, c);
    return { collection: c.name, queries, settings: gateSettings(db, c), runs: gateRuns(db, c), armed: queries.length > 0 };
  };
  const changed = (c: CollectionRow, action: string): GateDTO => {
    services.bus.emit('collection.changed', { collection: c.name, action });
    return view(c);
  };
  return {
    'gate.get': ({ collection }) => view(requireCollection(db, collection)),
    'gate.addQueries': ({ collection, queries }) => {
      const c = requireCollection(db, collection);
      addGolden(db, c, queries, 'typed');
      return changed(c, 'gate-queries');
    },
    'gate.importQueries': ({ collection, fileName, content }) => {
      const c = requireCollection(db, collection);
      addGolden(db, c, parseGoldenFile(fileName, content), 'imported');
      return changed(c, 'gate-queries');
    },
    'gate.sampleQueries': ({ collection, count }) => {
      const c = requireCollection(db, collection);
      sampleGolden(services, c, count);
      return changed(c, 'gate-queries');
    },
    'gate.removeQueries': ({ collection, ids }) => {
      const c = requireCollection(db, collection);
      removeGolden(db, c, ids);
      return changed(c, 'gate-queries');
    },
    'gate.setSettings': ({ collection, settings }) => {
      const c = requireCollection(db, collection);
      setGateSettings(db, c, settings);
      return changed(c, 'gate-settings');
    },
    'gate.run': ({ collection }) => gate.run(requireCollection(db, collection), 'manual'),
  };
}
