// The site list at the top of a per-site settings section (engagement, callback): a select when there are several
// sites, the name when there is one. Switching with unsaved changes asks first.
import type { SiteInfo } from '../../protocol/index';
import { t } from './i18n';

export function SitePicker({ sites, site, dirty, onPick }: {
  sites: SiteInfo[]; site: SiteInfo | undefined; dirty: boolean; onPick: (id: number) => void;
}) {
  if (sites.length <= 1) return <b>{site?.name}</b>;
  return (
    <select class="presence" aria-label={t.site} value={site?.id} onChange={(e) => {
      const select = e.target as HTMLSelectElement;
      if (dirty && !window.confirm(t.leaveUnsaved)) { select.value = String(site?.id); return; }
      onPick(Number(select.value));
    }}>
      {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
    </select>
  );
}
