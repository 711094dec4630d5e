import { Command, type CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { OrderCommand } from '../order-lifecycle';
import type { CommandContext } from './command-context';
import { type ExecuteOptions, type ExecutionResult, OrderCommandExecutor } from './order-command.executor';
import { type OrderView, toOrderView } from './order-view';

/**
 * The one CQRS command of the order lifecycle: it carries a domain command
 * for one order. Routes build it; its handler is the generic
 * load-decide-append loop.
 */
export class ExecuteOrderCommand extends Command<ExecutionResult> {
  constructor(
    readonly orderId: string,
    readonly command: OrderCommand,
    readonly context: CommandContext,
    readonly options: ExecuteOptions = {},
  ) {
    super();
  }
}

@CommandHandler(ExecuteOrderCommand)
export class ExecuteOrderCommandHandler implements ICommandHandler<ExecuteOrderCommand, ExecutionResult> {
  constructor(private readonly executor: OrderCommandExecutor) {}

  execute({ orderId, command, context, options }: ExecuteOrderCommand): Promise<ExecutionResult> {
    return this.executor.execute(orderId, command, context, options);
  }
}

/** Runs a domain command for one order through the bus and answers with the order's new view. */
export async function runOrderCommand(bus: CommandBus, orderId: string, command: OrderCommand, context: CommandContext, options: ExecuteOptions = {}): Promise<OrderView> {
  const result = await bus.execute(new ExecuteOrderCommand(orderId, command, context, options));
  return toOrderView(result.state, result.revision);
}
