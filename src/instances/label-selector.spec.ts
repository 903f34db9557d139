import { labelSelectorProblem, parseLabelSelector } from './label-selector';

describe('parseLabelSelector', () => {
  it('reads equality, inequality, existence and set requirements', () => {
    expect(parseLabelSelector('env=prod,team!=ml,tier,!legacy,zone in (a, b),kind notin (x),stage==live')).toEqual([
      { key: 'env', operator: 'in', values: ['prod'] },
      { key: 'team', operator: 'notin', values: ['ml'] },
      { key: 'tier', operator: 'exists', values: [] },
      { key: 'legacy', operator: 'absent', values: [] },
      { key: 'zone', operator: 'in', values: ['a', 'b'] },
      { key: 'kind', operator: 'notin', values: ['x'] },
      { key: 'stage', operator: 'in', values: ['live'] },
    ]);
  });

  it('allows spaces around operators and an empty value', () => {
    expect(parseLabelSelector(' env = prod , owner= ')).toEqual([
      { key: 'env', operator: 'in', values: ['prod'] },
      { key: 'owner', operator: 'in', values: [''] },
    ]);
  });

  it.each([
    ['', 'empty requirement'],
    ['env=prod,', 'empty requirement'],
    ['env=prod,,tier', 'empty requirement'],
    ['env=a=b', 'is not a requirement'],
    ['env in (a,b', 'unbalanced parentheses'],
    ['env in a,b)', 'unbalanced parentheses'],
    ['env in ((a))', 'unbalanced parentheses'],
    ['-env=prod', 'is not a label key'],
    ['env=-prod', 'is not a label value'],
    ['env=%', 'is not a label value'],
    ['env>3', 'is not a label key'],
    ['env=' + 'a'.repeat(64), 'is not a label value'],
    ['a,'.repeat(20) + 'a', 'at most 20 requirements'],
  ])('refuses %j', (selector, problem) => {
    expect(labelSelectorProblem(selector)).toContain(problem);
  });

  it('refuses what is not a string', () => {
    expect(labelSelectorProblem(['env=prod'])).toBe('must be a string');
  });
});
