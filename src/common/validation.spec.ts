import { IsInt, IsOptional, IsString } from 'class-validator';
import { AppConfig } from '../config/app-config';
import { AppValidationPipe } from './validation';

class OptionalQuery {
  @IsOptional()
  @IsString()
  search?: string;
}

class RequiredQuery {
  @IsInt()
  page!: number;
}

describe('AppValidationPipe on queries', () => {
  const pipe = new AppValidationPipe({} as AppConfig);
  const query = (metatype: unknown) => ({ type: 'query' as const, metatype: metatype as new () => object, data: undefined });

  it('answers an empty query of a type whose empty query validated without validating again', async () => {
    const first = await pipe.transform({}, query(OptionalQuery));
    const second = await pipe.transform({}, query(OptionalQuery));
    expect(first).toBeInstanceOf(OptionalQuery);
    expect(second).toBeInstanceOf(OptionalQuery);
    expect(second).not.toBe(first);
    expect(Object.values(second as object)).toEqual([]);
  });

  it('still validates every query with parameters, and refuses an empty query every time when a field is required', async () => {
    await pipe.transform({}, query(OptionalQuery));
    await expect(pipe.transform({ search: 5 }, query(OptionalQuery))).rejects.toThrow(/search/);
    await expect(pipe.transform({ other: 'x' }, query(OptionalQuery))).rejects.toThrow(/other/);
    await expect(pipe.transform({}, query(RequiredQuery))).rejects.toThrow(/page/);
    await expect(pipe.transform({}, query(RequiredQuery))).rejects.toThrow(/page/);
  });
});
