// The console's settings for owners and admins: one top-bar entry, a section list on the left. Each section is its
// own component and file; a section is listed here once, with its label and who may open it.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { OperatorInfo, SiteInfo } from '../../protocol/index';
import { t } from './i18n';
import { CallbackSettings } from './callback_settings';
import { Engage } from './engage';
import { Hooks } from './hooks';
import { Sites } from './sites';
import { DepartmentSettings, TeamSettings } from './team';

export interface SettingsProps {
  sites: SiteInfo[];
  csrf: string;
  me: OperatorInfo;
}

interface Section {
  id: string;
  label: () => string;
  render: (p: SettingsProps) => ComponentChildren;
}

const kSections: Section[] = [
  { id: 'sites', label: () => t.sites, render: (p) => <Sites csrf={p.csrf} /> },
  { id: 'team', label: () => t.team, render: (p) => <TeamSettings sites={p.sites} csrf={p.csrf} me={p.me} /> },
  { id: 'departments', label: () => t.departments, render: (p) => <DepartmentSettings sites={p.sites} csrf={p.csrf} /> },
  { id: 'callback', label: () => t.cbSection, render: (p) => <CallbackSettings sites={p.sites} csrf={p.csrf} me={p.me} /> },
  { id: 'engage', label: () => t.engage, render: (p) => <Engage sites={p.sites} csrf={p.csrf} /> },
  { id: 'hooks', label: () => t.hooks, render: (p) => <Hooks sites={p.sites} csrf={p.csrf} /> },
];

export function Settings(props: SettingsProps) {
  const [open, setOpen] = useState(kSections[0].id);
  const section = kSections.find((s) => s.id === open) ?? kSections[0];
  return (
    <div class="settings">
      <nav class="settings-nav" aria-label={t.settings}>
        {kSections.map((s) => (
          <button key={s.id} class={s.id === section.id ? 'on' : ''} aria-pressed={s.id === section.id} data-section={s.id}
            onClick={() => setOpen(s.id)}>{s.label()}</button>
        ))}
      </nav>
      {section.render(props)}
    </div>
  );
}
