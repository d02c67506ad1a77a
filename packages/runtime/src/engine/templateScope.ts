import { textOf, type ContactRecord, type InboundMessage } from '@parley/flow';
import { renderText } from '../template/renderText.js';

/**
 * What templates see at one point of a turn: the flow variables plus `contact.*`, `message.*`
 * and `flow.*`, and a `render` bound to them. The scope object is only built when a template
 * is rendered (many steps render nothing); what it is built from is fixed at construction, so
 * building late gives the same result (vars are replaced, never mutated).
 */
export class TemplateScope {
  readonly render: (template: string) => string;
  private built: Record<string, unknown> | undefined;

  constructor(
    readonly vars: Readonly<Record<string, unknown>>,
    readonly input: InboundMessage | undefined,
    readonly contact: ContactRecord,
    readonly userId: string,
    readonly flowId: string,
    readonly flowVersion: number,
  ) {
    this.render = rendererFor(this);
  }

  get scope(): Record<string, unknown> {
    this.built ??= {
      ...this.vars,
      contact: {
        name: this.contact.name ?? '',
        wa_id: this.contact.waId ?? '',
        user_id: this.userId,
        username: this.contact.username ?? '',
      },
      message: this.input
        ? { text: textOf(this.input), type: this.input.type, id: this.input.id }
        : { text: '', type: '', id: '' },
      flow: { id: this.flowId, version: this.flowVersion },
    };
    return this.built;
  }
}

// Returned unnamed on purpose: a closure bound to a name (`render: (t) => …`) gets a
// `__name(…)` wrapper under tsx/esbuild's keepNames, an `Object.defineProperty` on every new
// function that cost more than the rest of a step.
function rendererFor(holder: TemplateScope): (template: string) => string {
  return (template) => renderText(template, holder.scope);
}
